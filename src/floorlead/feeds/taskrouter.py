"""Twilio TaskRouter event callbacks into native events, from files or a local webhook.

Parameters are those of Twilio's "TaskRouter Events reference": every callback is an HTTP POST
(form-encoded) with EventType, ResourceType, ResourceSid and Timestamp (seconds since the epoch),
plus the resource's fields: TaskSid, TaskQueueName, TaskChannelUniqueName, TaskAssignmentStatus,
TaskCanceledReason, WorkerSid, WorkerName, WorkerActivityName, ReservationSid. Twilio asks the
endpoint to answer within 15 seconds with 204 No Content.

A task is a contact (its TaskSid the id) and a worker is an agent (its WorkerSid the id):
task-queue.entered (or task.created naming a queue) queues it, reservation.accepted answers it,
reservation.wrapup / task.wrapup end the talk, reservation.completed / task.completed end the
wrap-up, task.canceled before an answer is an abandon; worker.activity.update changes the
worker's state through the activity name ([feeds.states] in the settings).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
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
        "reservation.created",
        "reservation.rejected",
        "reservation.timeout",
        "reservation.canceled",
        "reservation.rescinded",
        "task.updated",
        "task-queue.moved",
        "task-queue.timeout",
        "workflow.target-matched",
        "workflow.entered",
        "workflow.timeout",
        "worker.attributes.update",
        "worker.capacity.update",
        "worker.channel.availability.update",
    }
)


def parse_payload(text: str) -> dict[str, str]:
    """One callback: a form-encoded body (as posted) or a JSON object (as logged)."""
    body = text.strip()
    if body.startswith("{"):
        try:
            obj = json.loads(body)
        except json.JSONDecodeError as exc:
            raise ev.EventError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise ev.EventError("a callback must be a JSON object")
        return {str(k): "" if v is None else str(v) for k, v in obj.items()}
    fields = dict(parse_qsl(body, keep_blank_values=True))
    if "EventType" not in fields:
        raise ev.EventError("no EventType: not a TaskRouter callback")
    return fields


class TaskRouterTranslator:
    """Callbacks into events; remembers the queues and workers it has defined."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        self._queues: set[str] = set()
        self._workers: dict[str, str] = {}

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
                yield self.record(number, text)

    def record(self, number: int, text: str) -> Record:
        try:
            return Record(number, text, self.translate(parse_payload(text)))
        except ev.EventError as exc:
            return Record(number, text, error=str(exc))

    def translate(self, f: dict[str, str]) -> list[ev.Event]:
        kind = f.get("EventType", "")
        if not kind:
            raise ev.EventError("missing EventType")
        if kind in IGNORED or kind.startswith(("activity.", "workflow.", "workspace.")):
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
            return []  # not in a queue yet; task-queue.entered will say which
        if kind == "reservation.accepted":
            task, worker = self._need(f, "TaskSid", "WorkerSid")
            answered = ev.ContactAnswered(at=at, contact=task, agent=worker, id=tag)
            return [*self._worker(f, worker), answered]
        if kind in ("reservation.wrapup", "task.wrapup"):
            (task,) = self._need(f, "TaskSid")
            return [ev.ContactEnded(at=at, contact=task, id=f"taskrouter:{task}:wrapup")]
        if kind in ("reservation.completed", "task.completed"):
            (task,) = self._need(f, "TaskSid")
            return [ev.ContactWrapped(at=at, contact=task, id=f"taskrouter:{task}:completed")]
        if kind in ("task.canceled", "task.deleted", "task-queue.entered-timeout"):
            (task,) = self._need(f, "TaskSid")
            if f.get("TaskAssignmentStatus", "canceled") not in ("pending", "reserved", "canceled"):
                return []  # canceled after an answer: the talk's own events tell the story
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
            change = ev.AgentStateChanged(at=at, agent=worker, state=state, reason=activity, id=tag)
            return [*out, change]
        if kind == "worker.deleted":
            return []
        raise ev.EventError(f"EventType {kind!r} is not a TaskRouter event floorlead knows")

    @staticmethod
    def _at(f: dict[str, str]) -> datetime:
        stamp = f.get("Timestamp", "")
        if not stamp:
            raise ev.EventError("missing Timestamp")
        try:
            seconds = float(stamp)
        except ValueError:
            return ev.parse_instant(stamp, "Timestamp")
        if not 0 < seconds < 32503680000:
            raise ev.EventError(f"Timestamp {stamp!r} is out of range")
        if seconds > 1e11:  # milliseconds, as EventDateMs-style fields carry
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)

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
        return [ev.QueueUpsert(queue=queue, name=queue, channel=channel, sl_target=None, id=ident)]

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


def make_server(
    host: str,
    port: int,
    translator: TaskRouterTranslator,
    deliver: Callable[[Record], None],
    auth: WebhookAuth | None = None,
) -> ThreadingHTTPServer:
    """A small HTTP endpoint for the Workspace's EventCallbackUrl.

    Every POST is one callback, numbered in arrival order and handed to ``deliver`` under a
    lock (the feed is one writer). It answers 204 even for a callback it quarantines: Twilio
    would only send the same unreadable body again. With ``auth``, a POST without Twilio's
    valid signature is answered 403 and never reaches the floor (it is logged, not
    quarantined: it is not Twilio's data).
    """
    lock = threading.Lock()
    counter = [0]

    class Handler(BaseHTTPRequestHandler):
        server_version = "floorlead-taskrouter"

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
            with lock:
                counter[0] += 1
                deliver(translator.record(counter[0], body))
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

    return ThreadingHTTPServer((host, port), Handler)
