"""Errors a supervisor can cause: each carries one readable sentence, never a traceback."""


class FloorleadError(Exception):
    """A problem the user can fix; ``str(err)`` is the sentence shown to them."""


class ConfigError(FloorleadError):
    """A settings file value that cannot be used."""


class DatabaseError(FloorleadError):
    """The database cannot be opened, read or written as asked."""
