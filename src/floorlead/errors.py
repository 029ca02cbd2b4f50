"""Errors a supervisor can cause: each carries one readable sentence, never a traceback."""


class FloorleadError(Exception):
    """A problem the user can fix; ``str(err)`` is the sentence shown to them."""


class ConfigError(FloorleadError):
    """A settings file value that cannot be used."""


class DatabaseError(FloorleadError):
    """The database cannot be opened, read or written as asked."""


class ConflictError(FloorleadError):
    """Somebody else changed the row (an escalation, a timesheet, a handover note) after this
    supervisor last saw it: nothing was written, and the sentence says who did what when."""
