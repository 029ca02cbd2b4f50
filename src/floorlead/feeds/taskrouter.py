"""Twilio TaskRouter events into native events, from files or a local webhook.

Two transports carry the same events:
- the Workspace's EventCallbackUrl ("TaskRouter Events reference"): an HTTP POST, form-encoded,
  with EventType, ResourceType, ResourceSid and Timestamp (seconds since the epoch) plus the
  resource's fields (TaskSid, TaskQueueName, TaskChannelUniqueName, TaskAssignmentStatus,
  WorkerSid, WorkerName, WorkerActivityName, ReservationSid, ...). Twilio asks for 204 within
  15 seconds. Logged callbacks are the same fields as one JSON object a line.
- Event Streams: CloudEvents (``type`` ``com.twilio.taskrouter.<event>``, the event under
  ``data``, and in schema 4 under ``data.payload``) with snake_case fields (``task_sid``,
  ``worker_activity_name``, ``timestamp`` in ISO 8601); a webhook sink posts a JSON array.

A task is a contact (its TaskSid the id) and a worker is an agent (its WorkerSid the id).
task-queue.entered (or task.created naming a queue) queues it, reservation.accepted answers it,
reservation.wrapup / task.wrapup end the talk, reservation.completed / task.completed end the
wrap-up, task.canceled before an answer is an abandon.

What a worker is doing comes from its reservations, not its activity: in Flex the activity stays
"Available" while the worker handles tasks. A worker with an accepted reservation is on a
contact; with reservations only in wrap-up, in after-call work; with none, in the state its
activity maps to (``[feeds.states]``). A worker serves the TaskQueues its reservations come from.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from floorlead.domain import events as ev
from floorlead.feeds.pipeline import Record, definition_id

log = logging.getLogger("floorlead.feeds.taskrouter")

CHANNELS = {"voice": "voice", "chat": "chat", "sms": "chat", "email": "email"}
#: Read and deliberately left out: they say nothing the board shows.
IGNORED = frozenset(
    {
        "task.updated",
        "task-queue.moved",
        "task-queue.timeout",
        "workflow.target-matched",
        "workflow.entered",
        "workflow.timeout",
        "worker.attributes.update",
        "worker.capacity.update",
        "worker.channel.availability.update",
        "worker.deleted",
    }
)
CLOUD_EVENT_PREFIX = "com.twilio.taskrouter."
#: A reservation that ends without the worker handling the task.
RESERVATION_DROPPED = frozenset(
    {
        "reservation.rejected",
        "reservation.timeout",
        "reservation.canceled",
        "reservation.rescinded",
    }
)
_WORD = re.compile(r"_([a-z])")


def _camel(key: str) -> str:
    """Event Streams' ``task_queue_name`` as the callback's ``TaskQueueName``."""
    if key == "eventtype":
        return "EventType"
    return _WORD.sub(lambda m: m.group(1).upper(), key[:1].upper() + key[1:])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _cloud_event(obj: dict[str, Any]) -> dict[str, str]:
    """An Event Streams CloudEvent as the callback's fields."""
    data = obj.get("data")
    if not isinstance(data, dict):
        raise ev.EventError("an Event Streams event without its data object")
    payload = data.get("payload")
    body: dict[str, Any] = payload if isinstance(payload, dict) else data
    fields = {_camel(str(k)): _text(v) for k, v in body.items()}
    kind = str(obj.get("type", ""))[len(CLOUD_EVENT_PREFIX) :]
    fields["EventType"] = kind or fields.get("EventType", "")
    fields["Sid"] = fields.get("Sid") or _text(obj.get("id"))
    fields["Timestamp"] = fields.get("Timestamp") or _text(obj.get("time"))
    return fields


def parse_payloads(text: str) -> list[dict[str, str]]:
    """The events in one body: a form-encoded callback (as posted), a JSON object (as logged),
    or Event Streams CloudEvents (one, or a JSON array of them as a webhook sink posts)."""
    body = text.strip()
    if body.startswith(("{", "[")):
        try:
            obj = json.loads(body)
        except json.JSONDecodeError as exc:
            raise ev.EventError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        items = obj if isinstance(obj, list) else [obj]
        out = []
        for item in items:
            if not isinstance(item, dict):
                raise ev.EventError("a callback must be a JSON object")
            if str(item.get("type", "")).startswith(CLOUD_EVENT_PREFIX):
                out.append(_cloud_event(item))
            else:
                out.append({str(k): _text(v) for k, v in item.items()})
        return out
    fields = dict(parse_qsl(body, keep_blank_values=True))
    if "EventType" not in fields:
        raise ev.EventError("no EventType: not a TaskRouter callback")
    return [fields]


class TaskRouterTranslator:
    """Callbacks into events; remembers queues, workers, and what each worker is handling."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        #: Event types read and left out, with how many of each (``feed check`` shows them).
        self.left_out: Counter[str] = Counter()
        self._queues: set[str] = set()
        self._workers: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}  # worker -> TaskQueues
        self._holding: dict[str, dict[str, str]] = {}  # worker -> task -> accepted|wrapping
        self._task_worker: dict[str, str] = {}
        self._activity: dict[str, tuple[str, str]] = {}  # worker -> (state, activity)
        self._state: dict[str, str] = {}

    def records(self, lines: Iterable[str | None]) -> Iterator[Record | None]:
        """One callback a line (JSON or form-encoded), as a capture or a log holds them."""
        number = 0
        for line in lines:
            if line is None:
                yield None
                continue
            number += 1
            text = line.strip()
            if text:
                yield from self.records_of(number, text)

    def records_of(self, number: int, text: str) -> list[Record]:
        """One body's records: one per event it carries (a line, or one webhook POST)."""
        try:
            payloads = parse_payloads(text)
        except ev.UNREADABLE as exc:
            return [Record(number, text, error=ev.unreadable(exc))]
        out = []
        for fields in payloads:
            raw = text if len(payloads) == 1 else json.dumps(fields)
            try:
                out.append(Record(number, raw, self.translate(fields)))
            except ev.UNREADABLE as exc:
                out.append(Record(number, raw, error=ev.unreadable(exc)))
        return out

    def translate(self, f: dict[str, str]) -> list[ev.Event]:
        kind = f.get("EventType", "")
        if not kind:
            raise ev.EventError("missing EventType")
        if kind in IGNORED or kind.startswith(("activity.", "workflow.", "workspace.")):
            self.left_out[kind] += 1
            return []
        at = self._at(f)
        ident = f.get("Sid") or f"{kind}:{f.get('ResourceSid', '')}:{f.get('Timestamp', '')}"
        tag = f"taskrouter:{ident}"
        if kind == "task-queue.entered" or (kind == "task.created" and f.get("TaskQueueName")):
            task, queue = self._need(f, "TaskSid", "TaskQueueName")
            channel = CHANNELS.get(f.get("TaskChannelUniqueName", "").lower())
            # One id per task: task.created and task-queue.entered for it are one queuing.
            queued = ev.ContactQueued(at=at, contact=task, queue=queue, id=f"taskrouter:{task}:q")
            return [*self._queue(queue, channel), queued]
        if kind == "task.created":
            self.left_out[kind] += 1
            return []  # not in a queue yet; task-queue.entered will say which
        if kind.startswith("reservation."):
            return self._reservation(kind, f, at, tag)
        if kind in ("task.wrapup", "task.completed", "task.canceled", "task.deleted"):
            return self._task_end(kind, f, at, tag)
        if kind == "task-queue.entered-timeout":
            (task,) = self._need(f, "TaskSid")
            return [ev.ContactAbandoned(at=at, contact=task, id=f"taskrouter:{task}:abandoned")]
        if kind in ("worker.activity.update", "worker.created"):
            (worker,) = self._need(f, "WorkerSid")
            out = self._worker(f, worker)
            activity = f.get("WorkerActivityName", "")
            if not activity:
                return out
            state = self.states.get(activity.strip().lower())
            if state is None:
                raise ev.EventError(
                    f"activity {activity!r} is not mapped to a floorlead state; add it under "
                    "[feeds.states] in the settings"
                )
            self._activity[worker] = (state, activity)
            return out + self._worker_state(worker, at, tag)
        raise ev.EventError(f"EventType {kind!r} is not a TaskRouter event floorlead knows")

    def _reservation(self, kind: str, f: dict[str, str], at: datetime, tag: str) -> list[ev.Event]:
        task, worker = self._need(f, "TaskSid", "WorkerSid")
        out = self._worker(f, worker)
        queue = f.get("TaskQueueName", "").strip()
        if queue:  # a worker reserved from a TaskQueue serves it
            out += self._queue(queue, CHANNELS.get(f.get("TaskChannelUniqueName", "").lower()))
            out += self._membership(worker, queue, at)
        holding = self._holding.setdefault(worker, {})
        if kind == "reservation.accepted":
            holding[task] = "accepted"
            self._task_worker[task] = worker
            out.append(ev.ContactAnswered(at=at, contact=task, agent=worker, id=tag))
        elif kind in ("reservation.wrapup", "reservation.completed"):
            out += self._handled(kind, task, worker, at)
        elif kind in RESERVATION_DROPPED:
            holding.pop(task, None)
        else:
            self.left_out[kind] += 1  # created: the worker is only being offered the task
            return out
        return out + self._worker_state(worker, at, tag)

    def _task_end(self, kind: str, f: dict[str, str], at: datetime, tag: str) -> list[ev.Event]:
        (task,) = self._need(f, "TaskSid")
        worker = self._task_worker.get(task) or f.get("WorkerSid", "")
        out: list[ev.Event]
        if kind in ("task.wrapup", "task.completed"):
            out = self._handled(kind, task, worker, at)
        else:
            held = self._holding.get(worker, {}).pop(task, None)
            self._task_worker.pop(task, None)
            unanswered = ("pending", "reserved", "canceled")
            if held is None and f.get("TaskAssignmentStatus", "canceled") in unanswered:
                out = [ev.ContactAbandoned(at=at, contact=task, id=f"taskrouter:{task}:abandoned")]
            else:
                out = []  # canceled after an answer: the talk's own events tell the story
        if worker:
            out += self._worker_state(worker, at, tag)
        return out

    def _handled(self, kind: str, task: str, worker: str, at: datetime) -> list[ev.Event]:
        """Wrap-up or completion of a handled task, said by its reservation or by the task
        (both come; their ids make them one): the talk ends, then the wrap-up."""
        holding = self._holding.get(worker, {})
        if kind.endswith(".wrapup"):
            if task in holding:
                holding[task] = "wrapping"
            return [ev.ContactEnded(at=at, contact=task, id=f"taskrouter:{task}:wrapup")]
        holding.pop(task, None)
        self._task_worker.pop(task, None)
        return [ev.ContactWrapped(at=at, contact=task, id=f"taskrouter:{task}:completed")]

    def _worker_state(self, worker: str, at: datetime, tag: str) -> list[ev.Event]:
        """The worker's state from what it holds, else from its activity; emitted on change."""
        holding = self._holding.get(worker, {}).values()
        if "accepted" in holding:
            state, reason = "on_contact", ""
        elif "wrapping" in holding:
            state, reason = "acw", ""
        elif worker in self._activity:
            state, reason = self._activity[worker]
        else:
            return []
        if self._state.get(worker) == state:
            return []
        self._state[worker] = state
        ident = f"{tag}:{worker}:{state}"
        return [ev.AgentStateChanged(at=at, agent=worker, state=state, reason=reason, id=ident)]

    def _membership(self, worker: str, queue: str, at: datetime) -> list[ev.Event]:
        queues = self._members.setdefault(worker, set())
        if queue in queues:
            return []
        queues.add(queue)
        ident = definition_id("taskrouter", "member", worker, queue)
        return [ev.AgentQueueMembership(at=at, agent=worker, queue=queue, member=True, id=ident)]

    @staticmethod
    def _at(f: dict[str, str]) -> datetime:
        stamp = f.get("Timestamp", "")
        if not stamp:
            raise ev.EventError("missing Timestamp")
        try:
            seconds = float(stamp)
        except ValueError:
            return ev.parse_instant(stamp, "Timestamp")
        if seconds > 1e11:  # milliseconds, as EventDateMs-style fields carry
            seconds /= 1000
        try:
            at = datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):
            raise ev.EventError(f"Timestamp {stamp!r} is out of range") from None
        return ev.sane_instant(at, "Timestamp")

    @staticmethod
    def _need(f: dict[str, str], *keys: str) -> list[str]:
        values = [f.get(k, "").strip() for k in keys]
        for key, value in zip(keys, values, strict=True):
            if not value:
                raise ev.EventError(f"{f.get('EventType')} without {key}")
        return values

    def _queue(self, queue: str, channel: str | None) -> list[ev.Event]:
        if queue in self._queues:
            return []
        self._queues.add(queue)
        ident = definition_id("taskrouter", "queue", queue, channel)
        return [ev.QueueUpsert(queue=queue, name=None, channel=channel, sl_target=None, id=ident)]

    def _worker(self, f: dict[str, str], worker: str) -> list[ev.Event]:
        name = f.get("WorkerName") or worker
        if self._workers.get(worker) == name:
            return []
        self._workers[worker] = name
        ident = definition_id("taskrouter", "worker", worker, name)
        return [ev.AgentUpsert(agent=worker, name=name, team=None, queues=None, id=ident)]


# ------------------------------------------------------------------------- the webhook


def twilio_signature(token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends with a form-encoded webhook (its "Secure your
    webhooks" page): HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio
    called followed by every POST parameter's name and value, sorted by name (then value),
    base64-encoded."""
    signed = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class WebhookAuth:
    """Check Twilio's signature on every callback: the auth token, and the callback URL as it
    is configured in the Workspace (behind a proxy, not the address floorlead listens on)."""

    token: str
    url: str

    def accepts(self, body: str, signature: str | None) -> bool:
        if not signature:
            return False
        params = parse_qsl(body, keep_blank_values=True)
        expected = twilio_signature(self.token, self.url, params)
        return hmac.compare_digest(expected.encode(), signature.encode())


class FeedServer(ThreadingHTTPServer):
    """A threaded HTTP server with bounds: a listen backlog for bursts of callbacks, at most
    ``max_open`` connections served at once (more are answered 503 at once, so Twilio tries
    again), and threads that never keep the process alive."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog (socketserver's default is 5)

    def __init__(self, address: tuple[str, int], handler: Any, max_open: int) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_open)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(
    host: str,
    port: int,
    translator: TaskRouterTranslator,
    deliver: Callable[[Record], None],
    auth: WebhookAuth | None = None,
    *,
    read_timeout_s: float = 10.0,
    max_open: int = 32,
    keep: Callable[[str], None] | None = None,
    lock: threading.Lock | None = None,
) -> ThreadingHTTPServer:
    """A small HTTP endpoint for the Workspace's EventCallbackUrl.

    Every POST is one callback, numbered in arrival order, given to ``keep`` (the spool) and
    handed to ``deliver`` under a lock (the feed is one writer). It answers 204 even for a
    callback it quarantines: Twilio would only send the same unreadable body again. With
    ``auth``, a POST without Twilio's valid signature is answered 403 and never reaches the
    floor (it is logged, not quarantined: it is not Twilio's data).
    """
    shared = lock or threading.Lock()  # the feed's loop passes its own: one writer
    counter = [0]

    class Handler(BaseHTTPRequestHandler):
        server_version = "floorlead-taskrouter"
        timeout = read_timeout_s  # a request half sent is dropped after this, not kept open

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 <= length <= 1_000_000:
                self.send_error(411 if length < 0 else 413)
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            if auth is not None and not auth.accepts(body, self.headers.get("X-Twilio-Signature")):
                log.warning("refused a callback from %s: no valid X-Twilio-Signature",
                            self.address_string())  # fmt: skip
                self.send_error(403, "Invalid X-Twilio-Signature")
                return
            with shared:
                if keep is not None:
                    keep(body)  # on disk before it is acknowledged
                counter[0] += 1
                for record in translator.records_of(counter[0], body):
                    deliver(record)
            self.send_response(204)
            self.send_header("Content-Type", "application/json")
            self.end_headers()

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"floorlead TaskRouter endpoint: POST event callbacks here\n")

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return FeedServer((host, port), Handler, max_open)
