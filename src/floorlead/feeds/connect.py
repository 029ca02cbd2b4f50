"""Amazon Connect: contact records (CTRs) and agent event stream records into native events.

Field names are those of Amazon's published "Data model for Amazon Connect contact records"
(ContactId, Channel, LastUpdateTimestamp, Queue.Name/EnqueueTimestamp/DequeueTimestamp,
Agent.Username/ConnectedToAgentTimestamp/CustomerHoldDuration/AfterContactWorkStartTimestamp/
AfterContactWorkEndTimestamp, DisconnectTimestamp) and of "Amazon Connect agent event streams"
(EventId, EventType STATE_CHANGE|HEART_BEAT|LOGIN|LOGOUT, EventTimestamp, CurrentAgentSnapshot
with AgentStatus.Name/StartTimestamp, Configuration.Username/FirstName/LastName/
AgentHierarchyGroups/RoutingProfile.InboundQueues, and Contacts[].State/StateStartTimestamp).

Connect delivers contact records at least once and again when they change; Amazon's advice is
to keep one per ContactId, the copy with the latest LastUpdateTimestamp winning. A record
becomes one ``contact.record`` event, which the store applies only when newer.
Files may hold one JSON record a line, a JSON array (as exported), or records back to back
(as Kinesis Firehose writes them to S3).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from floorlead.domain import events as ev
from floorlead.domain.when import iso_utc
from floorlead.feeds.pipeline import Record, definition_id

CHANNELS = {"VOICE": "voice", "CHAT": "chat", "TASK": "email", "EMAIL": "email"}
ON_CONTACT = frozenset({"CONNECTED", "CONNECTED_ONHOLD"})
BUSY = frozenset({"on_contact", "acw"})


def json_records(lines: Iterable[str]) -> Iterator[tuple[int, str, Any]]:
    """Every JSON value in the text, with the line it starts on: one a line, an array, or
    objects back to back. Text that is not JSON is returned as a ``ValueError`` value and
    reading resumes on the next line."""
    text = "".join(lines)
    decoder = json.JSONDecoder()
    pos, line = 0, 1
    size = len(text)
    while pos < size:
        while pos < size and text[pos] in " \t\r\n,":
            line += text[pos] == "\n"
            pos += 1
        if pos >= size:
            break
        if text[pos] in "[]":  # the brackets of an exported array; its items are records
            pos += 1
            continue
        try:
            value, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:  # bad JSON, 100,000 deep, 5,000 digits
            stop = text.find("\n", pos)
            stop = size if stop < 0 else stop
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else ev.unreadable(exc)
            yield line, text[pos:stop], ValueError(f"not valid JSON ({why})")
            pos = stop
            continue
        yield line, text[pos:end], value
        line += text.count("\n", pos, end)
        pos = end


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _when(obj: Any, *path: str) -> datetime | None:
    value = _get(obj, *path)
    if value in (None, ""):
        return None
    return ev.parse_instant(value, ".".join(path))


def _name(obj: Any, *path: str) -> str:
    value = _get(obj, *path)
    if not isinstance(value, str) or not value.strip():
        raise ev.EventError(f"missing {'.'.join(path)}")
    return value.strip()


class ConnectTranslator:
    """Contact records and agent events; remembers queues and agents it has defined."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        self._queues: dict[str, str | None] = {}
        self._agents: dict[str, tuple[str, str | None, tuple[str, ...] | None]] = {}
        #: The state last emitted per agent (an agent event stream repeats itself).
        self._last: dict[str, str] = {}

    def records(self, lines: Iterable[str], kind: str) -> Iterator[Record]:
        translate = self.contact_record if kind == "ctr" else self.agent_event
        for number, raw, value in json_records(lines):
            if isinstance(value, ValueError):
                yield Record(number, raw, error=str(value))
                continue
            try:
                if not isinstance(value, dict):
                    raise ev.EventError("a record must be a JSON object")
                yield Record(number, raw, translate(value))
            except ev.UNREADABLE as exc:
                yield Record(number, raw, error=ev.unreadable(exc))

    def _queue(self, name: str, channel: str | None) -> list[ev.Event]:
        if name in self._queues and (channel is None or self._queues[name] == channel):
            return []
        self._queues[name] = channel
        ident = definition_id("connect", "queue", name, channel)
        return [ev.QueueUpsert(queue=name, name=None, channel=channel, sl_target=None, id=ident)]

    def _agent(
        self, agent: str, name: str, team: str | None = None, queues: tuple[str, ...] | None = None
    ) -> list[ev.Event]:
        if self._agents.get(agent) == (name, team, queues):
            return []
        self._agents[agent] = (name, team, queues)
        ident = definition_id("connect", "agent", agent, name, team, queues)
        return [ev.AgentUpsert(agent=agent, name=name, team=team, queues=queues, id=ident)]

    # -- contact records ---------------------------------------------------------------------

    def contact_record(self, ctr: dict[str, Any]) -> list[ev.Event]:
        contact = _name(ctr, "ContactId")
        updated = _when(ctr, "LastUpdateTimestamp")
        if updated is None:
            raise ev.EventError("missing LastUpdateTimestamp")
        queued = _when(ctr, "Queue", "EnqueueTimestamp")
        if queued is None:
            return []  # never queued (IVR only, outbound, transfer leg): nothing for the board
        queue = _name(ctr, "Queue", "Name")
        channel = CHANNELS.get(str(ctr.get("Channel", "")).upper())
        agent_block = ctr.get("Agent")
        answered = _when(ctr, "Agent", "ConnectedToAgentTimestamp") if agent_block else None
        out = self._queue(queue, channel)
        agent = None
        hold = 0
        if answered is not None:
            agent = _name(ctr, "Agent", "Username")
            out += self._known_agent(agent)
            hold_value = _get(ctr, "Agent", "CustomerHoldDuration") or 0
            if isinstance(hold_value, bool) or not isinstance(hold_value, (int, float)):
                raise ev.EventError("Agent.CustomerHoldDuration is not a number of seconds")
            hold = int(hold_value)
        disconnect = _when(ctr, "DisconnectTimestamp")
        abandoned = None
        ended = wrapped = None
        if answered is None:
            abandoned = _when(ctr, "Queue", "DequeueTimestamp") or disconnect
        else:
            ended = _when(ctr, "Agent", "AfterContactWorkStartTimestamp") or disconnect
            wrapped = _when(ctr, "Agent", "AfterContactWorkEndTimestamp")
        record = ev.ContactRecord(
            updated=updated,
            contact=contact,
            queue=queue,
            queued_at=queued,
            agent=agent,
            answered_at=answered,
            abandoned_at=abandoned,
            ended_at=ended,
            wrapped_at=wrapped,
            hold_s=hold,
            id=f"connect:{contact}:{iso_utc(updated)}",
        )
        ev.check_record(record)
        return [*out, record]

    def _known_agent(self, agent: str) -> list[ev.Event]:
        if agent in self._agents:
            return []
        return self._agent(agent, agent)

    # -- agent events ------------------------------------------------------------------------

    def agent_event(self, rec: dict[str, Any]) -> list[ev.Event]:
        kind = _name(rec, "EventType")
        if kind not in ("STATE_CHANGE", "HEART_BEAT", "LOGIN", "LOGOUT"):
            raise ev.EventError(f"EventType {kind!r} is not an agent event")
        snapshot = rec.get("CurrentAgentSnapshot")
        config = _get(snapshot, "Configuration")
        agent = _name(config, "Username") if config else None
        if agent is None:
            raise ev.EventError("missing CurrentAgentSnapshot.Configuration.Username")
        first, last = _get(config, "FirstName") or "", _get(config, "LastName") or ""
        name = f"{first} {last}".strip() or agent
        team = _get(config, "AgentHierarchyGroups", "Level1", "Name")
        inbound = _get(config, "RoutingProfile", "InboundQueues") or []
        queues = tuple(
            q["Name"] for q in inbound if isinstance(q, dict) and isinstance(q.get("Name"), str)
        )
        out: list[ev.Event] = []
        for q in queues:
            out += self._queue(q, None)
        out += self._agent(agent, name, team if isinstance(team, str) else None, queues)
        if kind == "LOGOUT":
            at = _when(rec, "EventTimestamp")
            if at is None:
                raise ev.EventError("missing EventTimestamp")
            return [*out, *self._state(agent, "offline", at, "logout")]
        state, at, reason = self._agent_state(rec, snapshot, agent)
        return [*out, *self._state(agent, state, at, reason)]

    def _agent_state(
        self, rec: dict[str, Any], snapshot: Any, agent: str
    ) -> tuple[str, datetime, str]:
        """The agent's state and the instant it began, as the record tells it.

        On contact from the earliest connection still open (chats overlap); after-call work
        from when the last open contact ended; otherwise the chosen status, which Connect dates
        from when it was chosen: when contact work has just ended (the previous snapshot had
        contacts), the status only begins at the record's own ``EventTimestamp``.
        """
        contacts = _contacts(snapshot)
        connected = [c for c in contacts if c.get("State") in ON_CONTACT]
        if connected:
            starts = [_contact_start(c, "ConnectedToAgentTimestamp") for c in connected]
            return "on_contact", min(starts), ""
        ended = [c for c in contacts if c.get("State") == "ENDED"]
        if ended:
            return "acw", max(_contact_start(c) for c in ended), ""
        status = _name(snapshot, "AgentStatus", "Name")
        at = _when(snapshot, "AgentStatus", "StartTimestamp")
        if at is None:
            raise ev.EventError("missing AgentStatus.StartTimestamp")
        mapped = self.states.get(status.lower())
        if mapped is None:
            raise ev.EventError(
                f"agent status {status!r} is not mapped to a floorlead state; add it under "
                "[feeds.states] in the settings"
            )
        worked = _contacts(rec.get("PreviousAgentSnapshot")) or self._last.get(agent) in BUSY
        record_at = _when(rec, "EventTimestamp")
        if worked and record_at is not None and record_at > at:
            at = record_at
        return mapped, at, status

    def _state(self, agent: str, state: str, at: datetime, reason: str) -> list[ev.Event]:
        """A state change, unless the agent is already known to be in that state (a second
        chat connecting, a heartbeat). The id is the state and when it began, so a replay or
        a restarted feed repeating it changes nothing."""
        if self._last.get(agent) == state:
            return []
        self._last[agent] = state
        ident = f"connect-agent:{agent}:{iso_utc(at)}:{state}"
        return [ev.AgentStateChanged(at=at, agent=agent, state=state, reason=reason, id=ident)]


def _contacts(snapshot: Any) -> list[dict[str, Any]]:
    return [c for c in (_get(snapshot, "Contacts") or []) if isinstance(c, dict)]


def _contact_start(c: dict[str, Any], first: str = "StateStartTimestamp") -> datetime:
    at = _when(c, first) or _when(c, "StateStartTimestamp")
    if at is None:
        raise ev.EventError("missing Contacts[].StateStartTimestamp")
    return at
