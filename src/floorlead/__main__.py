"""``python -m floorlead``."""

from floorlead.launch import main

main()
