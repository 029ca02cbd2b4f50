"""The Textual user interface. Talks to the store through its functions (the reader, the
engine and the write modules), never through SQL."""
