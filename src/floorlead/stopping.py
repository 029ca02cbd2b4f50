"""How a feed command stops: SIGTERM and SIGHUP as ctrl+c. Standard library only, so every
command can carry it without loading the feeds."""

from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar


@contextmanager
def stopped_like_ctrl_c() -> Iterator[None]:
    """SIGTERM (``kill``, ``systemctl stop``) and SIGHUP (a dropped SSH session) stop a feed
    the way ctrl+c does: what it holds is applied and its summary printed, nothing read lost.
    Only the main thread can take signals; elsewhere this changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    before = {s: signal.signal(s, interrupt) for s in wanted}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


P = ParamSpec("P")
R = TypeVar("R")


def stops_like_ctrl_c(command: Callable[P, R]) -> Callable[P, R]:
    """A feed command that SIGTERM and SIGHUP stop as ctrl+c does."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with stopped_like_ctrl_c():
            return command(*args, **kwargs)

    return run
