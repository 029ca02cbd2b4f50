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
