"""Two demos at once: each has its own file, neither deletes the other's, and `db path` names
the demos running. Real processes on real terminals (ptys), stopped by signals."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from floorlead.demo_floor import DemoFloor, running_demos
from tests.test_cli import run


class Demo:
    """`floorlead demo` on a pseudo-terminal of 100×30, its output drained in a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        main, child = pty.openpty()
        os.set_blocking(main, True)
        self.output = bytearray()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "floorlead", "demo", "--agents", "6"],
            stdin=child,
            stdout=child,
            stderr=child,
            env={**os.environ, **env, "COLUMNS": "100", "LINES": "30", "TERM": "xterm"},
            start_new_session=True,
        )
        os.close(child)
        self._main = main
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._main, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, text: str, timeout: float = 120) -> bool:
        """Poll for ``text`` in the output, bounded; never a fixed sleep as the test."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text.encode() in self.output:
                return True
            if self.process.poll() is not None:
                return text.encode() in self.output
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        os.close(self._main)


@pytest.fixture
def cache_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {"XDG_CACHE_HOME": str(tmp_path / "cache"), "FLOORLEAD_CONFIG": str(tmp_path / "no")}


def test_a_second_demo_never_deletes_the_first_ones_floor(cache_env: dict[str, str]) -> None:
    first = Demo(cache_env)
    second: Demo | None = None
    try:
        assert first.wait_for("Building the demo floor in "), first.output[-2000:]
        folder = Path(cache_env["XDG_CACHE_HOME"]) / "floorlead" / "demo"
        first_db = folder / f"demo-{first.process.pid}.db"
        assert f"floorlead --db {first_db}".encode() in first.output
        assert first.wait_for("Queues · "), "the first demo never drew its board"
        inode = first_db.stat().st_ino
        second = Demo(cache_env)
        assert second.wait_for("Queues · "), second.output[-2000:]
        second_db = folder / f"demo-{second.process.pid}.db"
        assert second_db != first_db and second_db.exists()
        assert first_db.exists() and first_db.stat().st_ino == inode  # the same file, kept
        said = run("db", "path", env=cache_env)
        assert said.returncode == 0, said.stderr
        assert f"A demo is running on {first_db}" in said.stdout
        assert f"A demo is running on {second_db}" in said.stdout
    finally:
        first.stop()
        if second is not None:
            second.stop()
    # both ended: the next demo's sweep takes their files away
    assert running_demos(Path(cache_env["XDG_CACHE_HOME"]) / "floorlead" / "demo") == []


def test_the_files_of_ended_demos_are_swept(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    ended = folder / "demo-1.db"
    ended.write_bytes(b"old")
    ended.with_suffix(".lock").write_bytes(b"")
    (folder / "demo.db").write_bytes(b"before one file per demo")
    mine = DemoFloor(folder)
    try:
        assert not ended.exists() and not (folder / "demo.db").exists()
        assert running_demos(folder) == [mine.path]
        again = DemoFloor(folder)  # our own pid again, as a later process could be
        assert again.path == mine.path
    finally:
        mine.release()
