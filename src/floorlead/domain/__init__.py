"""Pure floor logic: imports neither Textual nor the database layer."""
