"""Reports of results: terminal text (and, later, JSON and HTML)."""
