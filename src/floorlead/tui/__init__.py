"""The Textual user interface. Talks to the store only through store.read / store.write."""
