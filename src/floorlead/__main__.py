"""``python -m floorlead``."""

from floorlead.launch import run

run()
