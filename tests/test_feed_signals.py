"""Every way a feed is asked to stop flushes what it holds and prints its summary: SIGTERM
(`kill`, `systemctl stop`) and SIGHUP (a dropped SSH session) as well as ctrl+c."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest


def poll(query: str, db_path: Path, want: int, timeout: float = 120) -> int:
    """Ask the floor file until ``query`` gives ``want`` (bounded; the state, not a time)."""
    deadline, got = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as probe:
                got = probe.execute(query).fetchone()[0] or 0
        except sqlite3.Error:
            got = -1
        if got >= want:
            return got
        time.sleep(0.1)
    return got


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_feed_stopped_by_a_signal_keeps_every_event_it_read(
    tmp_path: Path, stop: signal.Signals
) -> None:
    config = tmp_path / "floorlead.toml"
    config.write_text("[feeds]\nreorder_window_s = 600\n")  # everything stays held
    db_path, feed = tmp_path / "floor.db", tmp_path / "feed.jsonl"
    now = datetime.now(UTC).replace(microsecond=0)
    lines = [
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}',
        *(
            json.dumps(
                {
                    "type": "contact.queued",
                    "at": (now - timedelta(seconds=n)).isoformat(),
                    "contact": f"c{n}",
                    "queue": "billing",
                }
            )
            for n in range(200)
        ),
    ]
    feed.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "floorlead", "--db", str(db_path), "ingest", "--follow", str(feed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FLOORLEAD_CONFIG": str(config)},
    )
    try:
        # the feed says (every 5 s) how many records it has read: all of them, none stored
        read = poll("SELECT max(records) FROM feed_source", db_path, len(lines))
        assert read == len(lines)
        assert poll("SELECT count(*) FROM contact", db_path, 0) == 0  # held in the window
    finally:
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "read 201, applied 201" in out, (out, err)
    assert poll("SELECT count(*) FROM contact", db_path, 200) == 200


def test_a_followed_file_read_again_after_a_crash_doubles_nothing(tmp_path: Path) -> None:
    """`ingest --follow` killed (-9) and started again reads the file from its start: the
    events there without ids get ids made of the file, the line and what they say, so what
    was stored before is skipped as duplicates."""
    db_path, feed = tmp_path / "floor.db", tmp_path / "feed.jsonl"
    lines = [
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}',
        '{"type":"agent.upsert","agent":"a1","name":"Dana Reyes"}',
        *(
            json.dumps(
                {
                    "type": "agent.state",
                    "at": f"2026-11-23T15:{n:02d}:00Z",
                    "agent": "a1",
                    "state": "available" if n % 2 else "break",
                }
            )
            for n in range(40)
        ),
        '{"type":"punch","at":"2026-11-23T14:00:00Z","agent":"a1","kind":"in"}',
    ]
    feed.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "floorlead", "--db", str(db_path), "ingest", "--follow"]
    first = subprocess.Popen([*command, str(feed)], stdout=subprocess.PIPE, text=True)
    try:
        assert poll("SELECT count(*) FROM punch", db_path, 1) == 1
    finally:
        first.kill()  # no summary, no goodbye
        first.communicate(timeout=30)
    again = subprocess.Popen([*command, str(feed)], stdout=subprocess.PIPE, text=True)
    try:
        mine = f"SELECT count(*) FROM feed_source WHERE records >= 43 AND pid = {again.pid}"
        assert poll(mine, db_path, 1) == 1  # this run has read the whole file
    finally:
        again.send_signal(signal.SIGTERM)
        out, _err = again.communicate(timeout=60)
    assert "read 43, applied 0, duplicates skipped 43" in out
    assert poll("SELECT count(*) FROM agent_state", db_path, 40) == 40
    assert poll("SELECT count(*) FROM punch", db_path, 1) == 1


def test_a_callback_answered_204_survives_a_kill(tmp_path: Path) -> None:
    """TaskRouter never sends a callback again once it was answered 204; the feed holds its
    events for the reorder window. Killed (-9) in between, nothing is lost: the spool the
    callbacks were written to before the answer is read again at the next start."""
    import socket
    import urllib.request
    from urllib.parse import urlencode

    from tests.test_vendor_feeds import CALLBACKS

    config = tmp_path / "floorlead.toml"
    config.write_text("[feeds]\nreorder_window_s = 600\n")  # everything stays held
    db_path = tmp_path / "floor.db"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable, "-m", "floorlead", "--db", str(db_path), "feed", "taskrouter",
        "--port", str(port),
    ]  # fmt: skip
    env = {**os.environ, "FLOORLEAD_CONFIG": str(config)}

    def post(fields: dict[str, str]) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/",
            data=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)

    def wait_listening(proc: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the feed never listened")

    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)  # fmt: skip
    try:
        wait_listening(first)
        assert [post(c) for c in CALLBACKS] == [204] * len(CALLBACKS)
    finally:
        first.kill()
        first.communicate(timeout=30)
    assert poll("SELECT count(*) FROM contact", db_path, 0) == 0  # held, then killed
    again = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)  # fmt: skip
    try:
        wait_listening(again)
    finally:
        again.send_signal(signal.SIGTERM)
        out, err = again.communicate(timeout=60)
    assert "callbacks acknowledged by the last run read again" in err
    assert poll("SELECT count(*) FROM contact", db_path, 2) == 2, (out, err)
    spool = tmp_path / "spool" / f"taskrouter-127.0.0.1-{port}.jsonl"
    assert spool.exists() and spool.read_text() == ""  # emptied once stored
