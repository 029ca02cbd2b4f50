"""Reports and machine-readable views of the floor."""
