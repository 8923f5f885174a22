"""The applications app's pages, one module per audience (see applications/urls.py)."""
