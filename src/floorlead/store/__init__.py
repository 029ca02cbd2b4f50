"""The only package that touches the database. Knows no widgets."""
