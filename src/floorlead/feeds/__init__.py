"""Ways events get in: every feed translates into the native events of domain.events."""
