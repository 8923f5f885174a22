"""Shipments, couriers, tracking events and proof of delivery."""
