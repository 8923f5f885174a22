"""Shared code with no models: clock, workflow engine, money and identifier helpers."""
