"""Asterisk Manager Interface (AMI): queue events into native events, from a capture or live.

Field names and status codes are those of Asterisk's published AMI event documentation
(docs.asterisk.org, "AMI Events", Asterisk 16-20): QueueCallerJoin/Abandon/Leave carry the
caller's ``Uniqueid`` and ``Queue``; AgentCalled/AgentConnect/AgentComplete add the member's
``Interface`` and ``MemberName`` (AgentComplete also ``TalkTime``, ``HoldTime``, ``Reason``);
QueueMemberStatus/Pause/Added/Removed describe a member with ``Status`` (0 AST_DEVICE_UNKNOWN,
1 NOT_INUSE, 2 INUSE, 3 BUSY, 4 INVALID, 5 UNAVAILABLE, 6 RINGING, 7 RINGINUSE, 8 ONHOLD),
``Paused`` (0/1), ``PausedReason`` and ``InCall``. With ``timestampevents=yes`` in manager.conf
every event carries ``Timestamp: <seconds since the epoch>``.

A member is an agent whose id is its ``Interface`` (PJSIP/1001); a caller's ``Uniqueid`` is the
contact id. Asterisk reports a member once per queue it belongs to, so states are only emitted
when they change. It has no after-call-work event: after AgentComplete the member is in ACW
until its device is reported not in use again (which, with Wrapuptime 0, is at once).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from floorlead.domain import events as ev
from floorlead.errors import FloorleadError
from floorlead.feeds.pipeline import Record, definition_id

log = logging.getLogger("floorlead.feeds.ami")

#: Events read and deliberately left out: ringing and the caller leaving the queue say nothing
#: the answer or the abandon does not.
IGNORED = frozenset({"QueueCallerLeave", "AgentCalled", "AgentRingNoAnswer", "QueueStatusComplete"})
MEMBER_EVENTS = frozenset(
    {"QueueMemberStatus", "QueueMemberPause", "QueueMemberAdded", "QueueMember"}
)
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def _stamp(at: datetime) -> str:
    """An instant in an event id, as AMI's own Timestamp: seconds with microseconds."""
    return f"{at.timestamp():.6f}"


def blocks(lines: Iterable[str | None]) -> Iterator[tuple[int, list[str]] | None]:
    """AMI messages: ``Key: Value`` lines ended by a blank line, numbered by their first line.

    ``None`` in the input (an idle moment of a live source) is passed through.
    """
    current: list[str] = []
    first = 0
    number = 0
    for line in lines:
        if line is None:
            yield None
            continue
        number += 1
        text = line.rstrip("\r\n")
        if text.startswith("Asterisk Call Manager/"):
            continue  # the greeting a session starts with: one line, no blank line after it
        if text.strip():
            if not current:
                first = number
            current.append(text)
        elif current:
            yield first, current
            current = []
    if current:
        yield first, current


def _fields(block: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block:
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ev.EventError(f"line {line[:60]!r} is not 'Key: Value'")
        out.setdefault(key.strip(), value.strip())
    return out


class AmiTranslator:
    """Turns AMI messages into native events; keeps what it must remember between messages."""

    def __init__(
        self,
        states: dict[str, str],
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        #: Without a clock every event must carry ``Timestamp:`` (a capture); with one, events
        #: without it are stamped on arrival (a live connection).
        self.clock = clock
        self.states = states
        self._queues: set[str] = set()
        self._agents: dict[str, str] = {}
        self._state: dict[str, str] = {}
        self._acw_contact: dict[str, str] = {}

    def records(self, lines: Iterable[str | None]) -> Iterator[Record | None]:
        for item in blocks(lines):
            if item is None:
                yield None
                continue
            number, block = item
            raw = "\n".join(block)
            try:
                yield Record(number, raw, self.translate(_fields(block)))
            except ev.EventError as exc:
                yield Record(number, raw, error=str(exc))

    # -- one message -----------------------------------------------------------------------

    def translate(self, f: dict[str, str]) -> list[ev.Event]:
        name = f.get("Event")
        if name is None:
            if "Response" in f:
                return []
            raise ev.EventError("neither an Event nor a Response")
        if name in IGNORED:
            return []
        handler = {
            "QueueCallerJoin": self._join,
            "QueueCallerAbandon": self._abandon,
            "AgentConnect": self._connect,
            "AgentComplete": self._complete,
            "QueueMemberRemoved": self._removed,
        }.get(name)
        if handler is not None:
            return handler(f, self._at(f))
        if name in MEMBER_EVENTS:
            return self._member(f, self._at(f), added=name == "QueueMemberAdded")
        return []  # AMI sends dozens of other events (Newchannel, VarSet, ...); not ours.

    def _at(self, f: dict[str, str]) -> datetime:
        stamp = f.get("Timestamp")
        if stamp is None:
            if self.clock is None:
                raise ev.EventError(
                    "no Timestamp: line (set timestampevents=yes in manager.conf for captures)"
                )
            return self.clock()
        try:
            seconds = float(stamp)
            if not 0 < seconds < 32503680000:
                raise ValueError
            return datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError):
            raise ev.EventError(f"Timestamp {stamp!r} is not seconds since the epoch") from None

    @staticmethod
    def _need(f: dict[str, str], *keys: str) -> list[str]:
        values = []
        for key in keys:
            value = f.get(key, "")
            if not value:
                raise ev.EventError(f"{f.get('Event')} without {key}")
            values.append(value)
        return values

    def _queue(self, queue: str) -> list[ev.Event]:
        if queue in self._queues:
            return []
        self._queues.add(queue)
        ident = definition_id("ami", "queue", queue)
        return [ev.QueueUpsert(queue=queue, name=queue, channel="voice", sl_target=None, id=ident)]

    def _agent(self, f: dict[str, str], interface: str) -> list[ev.Event]:
        name = f.get("MemberName") or interface
        if self._agents.get(interface) == name:
            return []
        self._agents[interface] = name
        ident = definition_id("ami", "agent", interface, name)
        return [ev.AgentUpsert(agent=interface, name=name, team=None, queues=None, id=ident)]

    def _set_state(self, agent: str, state: str, at: datetime, reason: str = "") -> list[ev.Event]:
        if self._state.get(agent) == state:
            return []
        self._state[agent] = state
        return [
            ev.AgentStateChanged(
                at=at,
                agent=agent,
                state=state,
                reason=reason,
                id=f"ami:{agent}:{_stamp(at)}:{state}",
            )
        ]

    def _join(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        queue, contact = self._need(f, "Queue", "Uniqueid")
        queued = ev.ContactQueued(at=at, contact=contact, queue=queue, id=f"ami:{contact}:queued")
        return [*self._queue(queue), queued]

    def _abandon(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        (contact,) = self._need(f, "Uniqueid")
        return [ev.ContactAbandoned(at=at, contact=contact, id=f"ami:{contact}:abandoned")]

    def _connect(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        contact, agent = self._need(f, "Uniqueid", "Interface")
        answered = ev.ContactAnswered(
            at=at, contact=contact, agent=agent, id=f"ami:{contact}:answered"
        )
        return [*self._agent(f, agent), answered, *self._set_state(agent, "on_contact", at)]

    def _complete(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        contact, agent = self._need(f, "Uniqueid", "Interface")
        self._acw_contact[agent] = contact
        ended = ev.ContactEnded(at=at, contact=contact, id=f"ami:{contact}:ended")
        return [ended, *self._set_state(agent, "acw", at)]

    def _removed(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        queue, agent = self._need(f, "Queue", "Interface")
        leave = ev.AgentQueueMembership(
            at=at,
            agent=agent,
            queue=queue,
            member=False,
            id=f"ami:{agent}:{queue}:{_stamp(at)}:out",
        )
        return [*self._queue(queue), *self._agent(f, agent), leave]

    def _member(self, f: dict[str, str], at: datetime, *, added: bool) -> list[ev.Event]:
        queue, agent = self._need(f, "Queue", "Interface")
        out: list[ev.Event] = [*self._queue(queue), *self._agent(f, agent)]
        if added:
            out.append(
                ev.AgentQueueMembership(
                    at=at,
                    agent=agent,
                    queue=queue,
                    member=True,
                    id=f"ami:{agent}:{queue}:{_stamp(at)}:in",
                )
            )
        state, reason = self._member_state(f)
        if state is None:
            return out
        if state != "acw" and agent in self._acw_contact and self._state.get(agent) == "acw":
            contact = self._acw_contact.pop(agent)
            out.append(ev.ContactWrapped(at=at, contact=contact, id=f"ami:{contact}:wrapped"))
        return out + self._set_state(agent, state, at, reason)

    def _member_state(self, f: dict[str, str]) -> tuple[str | None, str]:
        """The floorlead state a member's Status/Paused/PausedReason mean (None: no change)."""
        reason = f.get("PausedReason", "") or f.get("Reason", "")
        if f.get("Paused") == "1":
            state = self.states.get(reason.strip().lower(), "break") if reason else "break"
            return state, reason
        status = f.get("Status", "")
        if status not in {str(n) for n in range(9)}:
            raise ev.EventError(f"member Status {status!r} is not one of Asterisk's 0-8")
        if status in ("4", "5"):
            return "offline", ""
        if status in ("2", "3", "8") or f.get("InCall") == "1":
            return "on_contact", ""
        if status == "1":
            return "available", ""
        return None, ""  # unknown or ringing: nothing has changed yet


# -------------------------------------------------------------------- the live connection


class AmiLoginError(FloorleadError):
    """The manager refused the user or secret; retrying would not help."""


class AmiConnection:
    """One TCP session with a manager interface: banner, Login, then lines as they come."""

    def __init__(self, host: str, port: int, user: str, secret: str, timeout: float = 10) -> None:
        self.host, self.port, self.user, self.secret = host, port, user, secret
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._buffer = b""

    def open(self) -> str:
        """Connect and log in; returns the banner (``Asterisk Call Manager/5.0.1``)."""
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        banner = self._line(wait=self.timeout)
        if banner is None or not banner.startswith("Asterisk Call Manager"):
            raise OSError(f"{self.host}:{self.port} did not greet as an Asterisk manager")
        self.send("Login", Username=self.user, Secret=self.secret, Events="on")
        reply = self._block()
        if reply.get("Response", "").lower() != "success":
            message = reply.get("Message", "authentication failed")
            raise AmiLoginError(f"The Asterisk manager refused user {self.user!r}: {message}.")
        # Ask for every member's current state, so a reconnect starts from the truth; the
        # answers are QueueMember events, emitted only where a state has changed.
        self.send("QueueStatus")
        return banner

    def send(self, action: str, **fields: str) -> None:
        assert self.sock is not None
        lines = [f"Action: {action}", f"ActionID: floorlead-{action.lower()}"]
        lines += [f"{k}: {v}" for k, v in fields.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def _line(self, wait: float) -> str | None:
        """The next line, or None when nothing came within ``wait`` seconds."""
        assert self.sock is not None
        while b"\n" not in self._buffer:
            self.sock.settimeout(wait)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise ConnectionError("the manager closed the connection")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", errors="replace").rstrip("\r")

    def _block(self) -> dict[str, str]:
        lines: list[str] = []
        while True:
            line = self._line(wait=self.timeout)
            if line is None:
                raise TimeoutError("the manager did not answer the login")
            if not line.strip():
                if lines:
                    return _fields(lines)
                continue
            lines.append(line)

    def lines(self, idle_s: float, stop: threading.Event) -> Iterator[str | None]:
        """Lines until the connection drops; None every ``idle_s`` of silence."""
        while not stop.is_set():
            yield self._line(wait=idle_s)

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


def follow_manager(
    connect: Callable[[], AmiConnection],
    translator: AmiTranslator,
    deliver: Callable[[Record | None], None],
    stop: threading.Event,
    say: Callable[[str], None] = lambda _s: None,
    backoff: tuple[float, ...] = BACKOFF_S,
) -> None:
    """Read a manager for ever: reconnect with growing pauses when the connection drops.

    The translator lives across connections, so a member state reported again after a
    reconnect is not stored twice, and event ids make anything replayed a duplicate.
    """
    failures = 0
    while not stop.is_set():
        conn = connect()
        connected = False
        try:
            banner = conn.open()
            connected = True
            say(f"connected to {conn.host}:{conn.port} ({banner})")
            failures = 0
            for item in translator.records(conn.lines(0.2, stop)):
                deliver(item)
        except AmiLoginError:
            raise
        except (OSError, ConnectionError) as exc:
            deliver(None)
            pause = backoff[min(failures, len(backoff) - 1)]
            failures += 1
            what = "connection to" if connected else "cannot reach"
            reason = getattr(exc, "strerror", None) or str(exc)
            say(
                f"{what} {conn.host}:{conn.port} {'lost ' if connected else ''}({reason}); "
                f"retrying in {pause:g} s"
            )
            log.warning("AMI connection lost: %s", exc)
            stop.wait(pause)
        finally:
            conn.close()
    deliver(None)


def stamp_now() -> datetime:
    """The live clock: events without ``Timestamp:`` are stamped on arrival."""
    return datetime.fromtimestamp(time.time(), UTC)
