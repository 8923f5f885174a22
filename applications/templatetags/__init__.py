"""Template tags and filters of the applications pages."""
