"""Issued documents: PDF rendering on the pdf queue and public QR verification."""
