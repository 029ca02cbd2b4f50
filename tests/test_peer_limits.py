"""What peers send is bounded: an AMI line that never ends costs neither memory nor the
ability to stop, half-sent webhook requests are dropped, a burst of them cannot take every
thread, and a secret file that is not text is one sentence that quotes none of it."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from floorlead.feeds.ami import MAX_LINE, AmiConnection, AmiTranslator, Oversized
from floorlead.feeds.taskrouter import TaskRouterTranslator, make_server
from tests.test_cli import assert_one_sentence, run


def connected() -> tuple[AmiConnection, socket.socket]:
    ours, theirs = socket.socketpair()
    conn = AmiConnection("127.0.0.1", 5038, "u", "s", timeout=5)
    conn.sock = ours
    return conn, theirs


def test_an_endless_ami_line_is_cut_and_the_feed_reads_on() -> None:
    conn, peer = connected()
    sent = threading.Event()

    def send() -> None:
        chunk = b"x" * 65536
        for _ in range(5 * 1024 * 1024 // len(chunk)):  # 5 MB with no newline
            peer.sendall(chunk)
        peer.sendall(b"\r\n\r\nEvent: QueueCallerJoin\r\nQueue: q\r\n\r\n")
        sent.set()

    writer = threading.Thread(target=send, daemon=True)
    writer.start()
    stop = threading.Event()
    got: list[str | None] = []
    for line in conn.lines(idle_s=5, stop=stop):
        assert len(conn._buffer) <= MAX_LINE + 65536  # never the whole line in memory
        got.append(line)
        if line == "Queue: q":
            break
    assert isinstance(got[0], Oversized) and "5,242,882 bytes" in got[0]
    assert "Event: QueueCallerJoin" in got
    records = list(AmiTranslator({}).records(iter([*got, "", ""])))
    assert records[0] is not None and records[0].error is not None
    assert "longer than 65,536 bytes" in records[0].error
    peer.close()
    conn.close()


def test_a_stop_is_honoured_while_a_peer_streams_without_newlines() -> None:
    conn, peer = connected()
    stop = threading.Event()
    streaming = threading.Event()

    def send() -> None:
        try:
            while True:
                peer.sendall(b"y" * 4096)
                streaming.set()
        except OSError:
            return

    threading.Thread(target=send, daemon=True).start()
    assert streaming.wait(30)
    lines = conn.lines(idle_s=5, stop=stop)
    threading.Timer(0.2, stop.set).start()
    assert list(lines) == [None]  # stopped with nothing read, not stuck in the line
    peer.close()
    conn.close()


def test_half_sent_requests_are_dropped_and_never_hold_every_thread() -> None:
    server = make_server(
        "127.0.0.1", 0, TaskRouterTranslator({}), lambda _r: None, read_timeout_s=0.5, max_open=4
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    try:
        stalled = []
        for _ in range(10):  # more than max_open: the extra ones are told 503 at once
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le")
            stalled.append(s)
        answered = 0
        for s in stalled:
            data = s.recv(1024)  # a 503 now, or the connection closed after read_timeout_s
            answered += data.startswith(b"HTTP/1.1 503")
        assert answered >= 10 - 4
        # the stalled ones are gone: a real callback is served again
        deadline = time.monotonic() + 30
        status = b""
        while time.monotonic() < deadline and b" 204 " not in status:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                body = b"EventType=task.created&Timestamp=1700000000&TaskSid=WT1"
                s.sendall(
                    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                    b"urlencoded\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                status = s.recv(1024)
            time.sleep(0.05)
        assert b" 204 " in status
        assert server.request_queue_size >= 128
    finally:
        server.shutdown()
        server.server_close()
        for s in stalled:
            s.close()


def test_a_secret_file_that_is_not_text_is_one_sentence(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"\xff\xfe\x9csecret-ish")
    result = run(
        "--db", str(tmp_path / "f.db"), "feed", "ami", "--user", "u", "--secret-file", str(secret),
        "--duration", "1",
    )  # fmt: skip
    assert_one_sentence(result)
    assert "not UTF-8 text" in result.stderr
    assert "0xff" not in result.stderr and "\\x" not in result.stderr
