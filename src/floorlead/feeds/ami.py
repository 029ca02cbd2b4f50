"""Asterisk Manager Interface (AMI): queue events into native events, from a capture or live.

Both generations of AMI's queue events are read, as app_queue.c writes them:
- Asterisk 12-20 (docs.asterisk.org, "AMI Events"): QueueCallerJoin/Abandon/Leave carry the
  caller's ``Uniqueid`` and ``Queue``; AgentCalled/AgentConnect/AgentComplete add the member's
  ``Interface`` and ``MemberName``; QueueMemberStatus/Pause/Added/Removed describe a member by
  ``Interface`` with ``Status``, ``Paused``, ``PausedReason``, ``InCall`` and ``Wrapuptime``.
- Asterisk 1.8-11 (Issabel, Elastix, old FreePBX): ``Join``/``Leave`` for the caller,
  AgentConnect/AgentComplete naming the member ``Member``, member events naming it
  ``Location``, and ``QueueMemberPaused`` (with ``Reason``, no ``Status``) for a pause.
- The reply to the ``QueueStatus`` action, the same in both: ``QueueParams`` per queue,
  ``QueueMember`` per member (``Name``, ``Location``, ``Status``, ``Paused``...), ``QueueEntry``
  per caller still waiting (``Wait`` seconds), ``QueueStatusComplete``. It carries no
  ``Timestamp``: live it is stamped on arrival, in a capture it takes the time of the next
  timed event.

``Status`` is the member's device state (0 unknown, 1 not in use, 2 in use, 3 busy, 4 invalid,
5 unavailable, 6 ringing, 7 ring+in use, 8 on hold). A member is an agent whose id is its
interface (``PJSIP/1001``); a caller's ``Uniqueid`` is the contact id. Asterisk reports a member
once per queue, so states are only emitted when they change.

Asterisk has no after-call-work event. After ``AgentComplete`` the member is in ACW until its
device is free *and* the queue's ``Wrapuptime`` has passed. Asterisk may report the device free
before ``AgentComplete`` (``update_status()`` runs on every device change): that report is kept
and the contact is wrapped as soon as the call completes.
"""

from __future__ import annotations

import heapq
import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from floorlead.domain import events as ev
from floorlead.errors import FloorleadError
from floorlead.feeds.pipeline import Record, definition_id

log = logging.getLogger("floorlead.feeds.ami")

#: Asterisk 11's names for the events 12 renamed.
RENAMED = {"Join": "QueueCallerJoin", "QueueMemberPaused": "QueueMemberPause"}
MEMBER_EVENTS = frozenset({"QueueMemberStatus", "QueueMemberPause", "QueueMemberAdded"})
#: What the QueueStatus action answers with: no Timestamp, even with timestampevents=yes.
REPLY_EVENTS = frozenset({"QueueParams", "QueueMember", "QueueEntry", "QueueStatusComplete"})
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
IN_USE = frozenset({"2", "3", "8"})
UNREACHABLE = frozenset({"4", "5"})
FREE = "1"
DEVICE_STATES = frozenset(str(n) for n in range(9))


def _stamp(at: datetime) -> str:
    """An instant in an event id, as AMI's own Timestamp: seconds with microseconds."""
    return f"{at.timestamp():.6f}"


#: the longest AMI line kept (a real one is well under a kilobyte)
MAX_LINE = 65_536


class Oversized(str):
    """A line longer than ``MAX_LINE`` bytes, dropped as it came: its message is quarantined."""


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
        text = line if isinstance(line, Oversized) else line.rstrip("\r\n")
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


class _Talk:
    """A member's queue call from AgentConnect until it is wrapped."""

    __slots__ = ("completed", "contact", "due", "freed")

    def __init__(self, contact: str) -> None:
        self.contact = contact
        self.freed: datetime | None = None  # the device reported free since the answer
        self.completed: datetime | None = None  # AgentComplete
        self.due: datetime | None = None  # when the wrap-up ends, once it is known


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
        #: Event names read and left out, with how many of each (``feed check`` shows them).
        self.left_out: Counter[str] = Counter()
        self._queues: set[str] = set()
        self._agents: dict[str, str] = {}
        self._state: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}  # agent -> queues
        self._device: dict[str, str] = {}  # agent -> last device Status
        self._paused: dict[str, tuple[str, str] | None] = {}  # agent -> (state, reason)
        self._wrapup: dict[str, int] = {}  # agent -> Wrapuptime seconds
        self._talks: dict[str, _Talk] = {}
        self._dues: list[tuple[datetime, str]] = []  # (wrap-up end, agent), a heap
        self._reply: dict[str, set[str]] | None = None  # queue -> members, while a reply runs
        self._unstamped: list[tuple[int, str, dict[str, str]]] = []
        self._handlers: dict[str, Callable[[dict[str, str], datetime], list[ev.Event]]] = {
            "QueueCallerJoin": self._join,
            "QueueCallerAbandon": self._abandon,
            "AgentConnect": self._connect,
            "AgentComplete": self._complete,
            "QueueMemberRemoved": self._removed,
            "QueueParams": self._params,
            "QueueMember": self._listed,
            "QueueEntry": self._waiting,
            "QueueStatusComplete": self._reply_done,
        }

    def records(self, lines: Iterable[str | None]) -> Iterator[Record | None]:
        for item in blocks(lines):
            if item is None:
                if self.clock is not None:
                    due = self._due_wraps(self.clock())
                    if due:
                        yield Record(0, "(wrap-up time over)", due)
                yield None
                continue
            number, block = item
            raw = "\n".join(block)
            cut = next((line for line in block if isinstance(line, Oversized)), None)
            if cut is not None:
                yield Record(
                    number, raw[:2000], error=f"not AMI: {cut} longer than {MAX_LINE:,} bytes"
                )
                continue
            try:
                fields = _fields(block)
            except ev.UNREADABLE as exc:
                yield Record(number, raw, error=ev.unreadable(exc))
                continue
            if self.clock is None and "Timestamp" not in fields:
                if fields.get("Event") in REPLY_EVENTS:
                    self._unstamped.append((number, raw, fields))
                    continue
            elif self._unstamped and "Timestamp" in fields:
                yield from self._dated_reply(fields["Timestamp"])
            yield self._record(number, raw, fields)
        for number, raw, _unused in self._unstamped:
            yield Record(
                number,
                raw,
                error="a QueueStatus reply with no timed event after it in the capture: "
                "it cannot be dated",
            )
        self._unstamped = []

    def _dated_reply(self, stamp: str) -> Iterator[Record]:
        """A QueueStatus reply in a capture happened just before the next timed event."""
        held, self._unstamped = self._unstamped, []
        for number, raw, fields in held:
            yield self._record(number, raw, {**fields, "Timestamp": stamp})

    def _record(self, number: int, raw: str, fields: dict[str, str]) -> Record:
        try:
            return Record(number, raw, self.translate(fields))
        except ev.UNREADABLE as exc:
            return Record(number, raw, error=ev.unreadable(exc))

    # -- one message -----------------------------------------------------------------------

    def translate(self, f: dict[str, str]) -> list[ev.Event]:
        name = f.get("Event")
        if name is None:
            if "Response" in f:
                return []
            raise ev.EventError("neither an Event nor a Response")
        name = RENAMED.get(name, name)
        handler = self._handlers.get(name)
        if handler is None and name not in MEMBER_EVENTS:
            # Ringing, the caller leaving, a member's penalty, and the dozens of other events
            # AMI sends (Newchannel, VarSet, ...): nothing the board shows.
            self.left_out[name] += 1
            return []
        at = self._at(f)
        out = self._due_wraps(at)
        if handler is not None:
            return out + handler(f, at)
        return out + self._member(f, at)

    def _at(self, f: dict[str, str]) -> datetime:
        stamp = f.get("Timestamp")
        if stamp is None:
            if self.clock is None:
                raise ev.EventError(
                    "no Timestamp: line (set timestampevents=yes in manager.conf for captures)"
                )
            return self.clock()
        try:
            at = datetime.fromtimestamp(float(stamp), UTC)
        except (ValueError, OverflowError, OSError):
            raise ev.EventError(f"Timestamp {stamp!r} is not seconds since the epoch") from None
        return ev.sane_instant(at, "Timestamp")

    @staticmethod
    def _need(f: dict[str, str], *keys: str) -> list[str]:
        values = []
        for key in keys:
            value = f.get(key, "")
            if not value:
                raise ev.EventError(f"{f.get('Event')} without {key}")
            values.append(value)
        return values

    @staticmethod
    def _member_id(f: dict[str, str]) -> str:
        """The member's interface: ``Interface`` (12+), ``Location`` (11 and the QueueStatus
        reply) or ``Member`` (11's AgentConnect/AgentComplete)."""
        for key in ("Interface", "Location", "Member"):
            value = f.get(key, "")
            if value:
                return value
        raise ev.EventError(f"{f.get('Event')} without Interface (or Location)")

    def _queue(self, queue: str) -> list[ev.Event]:
        if queue in self._queues:
            return []
        self._queues.add(queue)
        ident = definition_id("ami", "queue", queue)
        return [ev.QueueUpsert(queue=queue, name=None, channel="voice", sl_target=None, id=ident)]

    def _agent(self, f: dict[str, str], interface: str) -> list[ev.Event]:
        name = f.get("MemberName") or f.get("Name") or interface
        if self._agents.get(interface) == name:
            return []
        self._agents[interface] = name
        ident = definition_id("ami", "agent", interface, name)
        return [ev.AgentUpsert(agent=interface, name=name, team=None, queues=None, id=ident)]

    def _membership(self, agent: str, queue: str, at: datetime, member: bool) -> list[ev.Event]:
        queues = self._members.setdefault(agent, set())
        if (queue in queues) == member:
            return []
        if member:
            queues.add(queue)
        else:
            queues.discard(queue)
        ident = f"ami:{agent}:{queue}:{_stamp(at)}:{'in' if member else 'out'}"
        return [ev.AgentQueueMembership(at=at, agent=agent, queue=queue, member=member, id=ident)]

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

    # -- callers ---------------------------------------------------------------------------

    def _join(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        queue, contact = self._need(f, "Queue", "Uniqueid")
        queued = ev.ContactQueued(at=at, contact=contact, queue=queue, id=f"ami:{contact}:queued")
        return [*self._queue(queue), queued]

    def _waiting(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        """A caller already waiting when the QueueStatus reply was given: queued ``Wait`` ago."""
        queue, contact = self._need(f, "Queue", "Uniqueid")
        try:
            wait = max(0, int(f.get("Wait", "0") or 0))
        except ValueError:
            raise ev.EventError(f"QueueEntry Wait {f.get('Wait')!r} is not seconds") from None
        since = at - timedelta(seconds=wait)
        queued = ev.ContactQueued(
            at=since, contact=contact, queue=queue, id=f"ami:{contact}:queued"
        )
        return [*self._queue(queue), queued]

    def _abandon(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        (contact,) = self._need(f, "Uniqueid")
        return [ev.ContactAbandoned(at=at, contact=contact, id=f"ami:{contact}:abandoned")]

    # -- a member's call -------------------------------------------------------------------

    def _connect(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        (contact,) = self._need(f, "Uniqueid")
        agent = self._member_id(f)
        answered = ev.ContactAnswered(
            at=at, contact=contact, agent=agent, id=f"ami:{contact}:answered"
        )
        out: list[ev.Event] = [*self._agent(f, agent), answered]
        previous = self._talks.get(agent)
        if previous is not None and previous.contact != contact and previous.completed:
            out += self._wrap(agent, previous, at)  # a new call ends the last one's wrap-up
        self._talks[agent] = _Talk(contact)
        return out + self._set_state(agent, "on_contact", at)

    def _complete(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        (contact,) = self._need(f, "Uniqueid")
        agent = self._member_id(f)
        ended = ev.ContactEnded(at=at, contact=contact, id=f"ami:{contact}:ended")
        talk = self._talks.get(agent)
        if talk is None or talk.contact != contact:
            talk = self._talks[agent] = _Talk(contact)
        talk.completed = at
        out: list[ev.Event] = [ended, *self._set_state(agent, "acw", at)]
        if talk.freed is not None:  # the device was free before the queue said complete
            self._set_due(agent, talk, max(at, self._wrapup_end(agent, at)))
            out += self._due_wraps(at)
        return out

    def _wrapup_end(self, agent: str, completed: datetime) -> datetime:
        return completed + timedelta(seconds=self._wrapup.get(agent, 0))

    def _device_free(self, agent: str, at: datetime) -> list[ev.Event]:
        """The member's device is not in use: the end of a call's wrap-up, or of a call that
        Asterisk has not reported complete yet."""
        talk = self._talks.get(agent)
        if talk is None:
            return []
        if talk.completed is None:
            talk.freed = talk.freed or at
            return []
        self._set_due(agent, talk, max(at, self._wrapup_end(agent, talk.completed)))
        return self._due_wraps(at)

    def _due_wraps(self, now: datetime) -> list[ev.Event]:
        """Wrap-ups whose time has come (runs before every event: the common case is none)."""
        dues = self._dues
        if not dues or dues[0][0] > now:
            return []
        out: list[ev.Event] = []
        while dues and dues[0][0] <= now:
            due, agent = heapq.heappop(dues)
            talk = self._talks.get(agent)
            if talk is not None and talk.due == due:  # else replaced or wrapped already
                out += self._wrap(agent, talk, due)
        return out

    def _set_due(self, agent: str, talk: _Talk, due: datetime) -> None:
        talk.due = due
        heapq.heappush(self._dues, (due, agent))

    def _wrap(self, agent: str, talk: _Talk, at: datetime) -> list[ev.Event]:
        del self._talks[agent]
        wrapped = ev.ContactWrapped(at=at, contact=talk.contact, id=f"ami:{talk.contact}:wrapped")
        out: list[ev.Event] = [wrapped]
        if self._state.get(agent) == "acw":
            state, reason = self._resting(agent)
            out += self._set_state(agent, state, at, reason)
        return out

    def _resting(self, agent: str) -> tuple[str, str]:
        """What a member is once its call is wrapped (its device was reported free, or the
        wrap-up time is over): paused, unreachable or available."""
        paused = self._paused.get(agent)
        if paused is not None:
            return paused
        if self._device.get(agent) in UNREACHABLE:
            return "offline", ""
        return "available", ""

    # -- members ---------------------------------------------------------------------------

    def _removed(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        (queue,) = self._need(f, "Queue")
        agent = self._member_id(f)
        out = [*self._queue(queue), *self._agent(f, agent)]
        if self._note_device(agent, f) == FREE:
            out += self._device_free(agent, at)
        return out + self._membership(agent, queue, at, member=False)

    def _listed(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        """A member as the QueueStatus reply lists it: member of the queue, in this state."""
        queue = f.get("Queue", "")
        if self._reply is not None and queue:
            self._reply.setdefault(queue, set()).add(self._member_id(f))
        return self._member(f, at)

    def _params(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        (queue,) = self._need(f, "Queue")
        if self._reply is None:
            self._reply = {}
        self._reply.setdefault(queue, set())
        return self._queue(queue)

    def _reply_done(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        """The reply is whole: members of its queues it did not list have left them."""
        reply, self._reply = self._reply or {}, None
        out: list[ev.Event] = []
        for agent, queues in self._members.items():
            for queue in sorted(queues):
                if queue in reply and agent not in reply[queue]:
                    out += self._membership(agent, queue, at, member=False)
        return out

    def _member(self, f: dict[str, str], at: datetime) -> list[ev.Event]:
        (queue,) = self._need(f, "Queue")
        agent = self._member_id(f)
        out: list[ev.Event] = [*self._queue(queue), *self._agent(f, agent)]
        # Asterisk reports a member's status and pauses only for queues it belongs to.
        out += self._membership(agent, queue, at, member=True)
        if f.get("Wrapuptime", "").isdigit():
            self._wrapup[agent] = int(f["Wrapuptime"])
        status = self._note_device(agent, f)
        if "Paused" in f:
            self._paused[agent] = self._pause(f) if f["Paused"] == "1" else None
        if status == FREE:
            out += self._device_free(agent, at)
        talk = self._talks.get(agent)
        if talk is not None:  # a queue call holds the member until it is wrapped
            if talk.completed is None and status in IN_USE:
                out += self._set_state(agent, "on_contact", at)
            return out
        state, reason = self._member_state(agent, status, f.get("InCall") == "1")
        if state is None:
            return out
        return out + self._set_state(agent, state, at, reason)

    def _note_device(self, agent: str, f: dict[str, str]) -> str | None:
        """The member's device ``Status`` in this message, remembered (None: not given)."""
        status = f.get("Status")
        if status is None:
            return None
        if status not in DEVICE_STATES:
            raise ev.EventError(f"member Status {status!r} is not one of Asterisk's 0-8")
        self._device[agent] = status
        return status

    def _pause(self, f: dict[str, str]) -> tuple[str, str]:
        reason = f.get("PausedReason", "") or f.get("Reason", "")
        if not reason:
            return "break", ""
        return self.states.get(reason.strip().lower(), "break"), reason

    def _member_state(
        self, agent: str, status: str | None, in_call: bool
    ) -> tuple[str | None, str]:
        """The floorlead state a member event means when no queue call holds the member: its
        device may be in use for a call of its own (None: no change)."""
        paused = self._paused.get(agent)
        if paused is not None:
            return paused
        if status is None:  # Asterisk 11's unpause: back to what the device says
            status = self._device.get(agent, FREE)
        if status in UNREACHABLE:
            return "offline", ""
        if status in IN_USE or (status == FREE and in_call):
            return "on_contact", ""
        if status == FREE:
            return "available", ""
        return None, ""  # unknown or ringing: nothing has changed yet


# -------------------------------------------------------------------- the live connection


class AmiLoginError(FloorleadError):
    """The manager refused the user or secret; retrying would not help."""


def _connect(
    host: str, port: int, timeout: float, stop: threading.Event | None
) -> socket.socket | None:
    """``socket.create_connection`` that looks at ``stop`` every 0.2 s (None if it was set)."""
    import select

    deadline = time.monotonic() + timeout
    problem: OSError = TimeoutError(f"no answer within {timeout:g} s")
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            sock.connect(address)
        except BlockingIOError:
            pass
        except OSError as exc:
            sock.close()
            problem = exc
            continue
        while True:
            if stop is not None and stop.is_set():
                sock.close()
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                sock.close()
                break
            _r, writable, _x = select.select([], [sock], [], min(0.2, left))
            if writable:
                error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    sock.close()
                    problem = OSError(error, os.strerror(error))
                    break
                sock.setblocking(True)
                sock.settimeout(timeout)
                return sock
    raise problem


class AmiConnection:
    """One TCP session with a manager interface: banner, Login, then lines as they come."""

    def __init__(self, host: str, port: int, user: str, secret: str, timeout: float = 10) -> None:
        self.host, self.port, self.user, self.secret = host, port, user, secret
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._buffer = b""
        self._scanned = 0  # the buffer holds no newline before this
        self._cut = 0  # bytes dropped of a line longer than MAX_LINE

    def open(self, stop: threading.Event | None = None) -> str | None:
        """Connect and log in; returns the banner (``Asterisk Call Manager/5.0.1``), or None
        when ``stop`` was set meanwhile (``--duration`` and ctrl+c are honoured while a host
        that does not answer is tried)."""
        self.sock = _connect(self.host, self.port, self.timeout, stop)
        if self.sock is None:
            return None
        banner = self._line(wait=self.timeout, stop=stop)
        if banner is None and stop is not None and stop.is_set():
            return None
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

    def _line(self, wait: float, stop: threading.Event | None = None) -> str | None:
        """The next line, or None when nothing came within ``wait`` seconds (or ``stop`` was
        set). A line longer than ``MAX_LINE`` bytes is not kept: its bytes are dropped up to
        its end and it comes back as :class:`Oversized`, so a peer that never sends a newline
        costs neither memory nor time, and cannot keep the feed from stopping."""
        assert self.sock is not None
        deadline = time.monotonic() + wait
        while True:
            end = self._buffer.find(b"\n", self._scanned)
            if end >= 0:
                line, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
                self._scanned = 0
                if self._cut:
                    cut, self._cut = self._cut + len(line) + 1, 0
                    return Oversized(f"(a line of {cut:,} bytes)")
                return line.decode("utf-8", errors="replace").rstrip("\r")
            if len(self._buffer) > MAX_LINE:
                self._cut += len(self._buffer)
                self._buffer = b""
            self._scanned = len(self._buffer)
            if stop is not None and stop.is_set():
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left if stop is None else min(left, 0.2))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("the manager closed the connection")
            self._buffer += chunk

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
            yield self._line(wait=idle_s, stop=stop)

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
    on_status: Callable[[str], None] = lambda _s: None,
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
            banner = conn.open(stop)
            if banner is None:  # asked to stop while connecting
                break
            connected = True
            on_status("live")
            say(f"connected to {conn.host}:{conn.port} ({banner})")
            failures = 0
            for item in translator.records(conn.lines(0.2, stop)):
                deliver(item)
        except AmiLoginError:
            raise
        except (OSError, ConnectionError) as exc:
            deliver(None)
            on_status("reconnecting")
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
