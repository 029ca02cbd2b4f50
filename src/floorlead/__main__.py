"""``python -m floorlead``."""

from floorlead.cli import main

main()
