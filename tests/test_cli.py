"""The command line as a user runs it: one sentence and a non-zero exit on every mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from floorlead import __version__


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "floorlead", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=stdin,
        timeout=120,
    )


def assert_one_sentence(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("floorlead: ") or result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"floorlead {__version__}"


def test_db_check_upgrade_and_check_again(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    missing = run("db", "check", "--db", str(path))
    assert missing.returncode == 1 and "no database" in missing.stdout
    assert not path.exists()
    assert run("db", "upgrade", "--db", str(path)).returncode == 0
    ok = run("--db", str(path), "db", "check")
    assert ok.returncode == 0 and "current version" in ok.stdout


def test_environment_variable_names_the_database(tmp_path: Path) -> None:
    path = tmp_path / "env.db"
    result = run("db", "upgrade", env={"FLOORLEAD_DB": str(path)})
    assert result.returncode == 0 and path.exists()


def test_bad_database_url_is_one_sentence() -> None:
    result = run("--db", "nosuchdb://host/x", "db", "upgrade")
    assert_one_sentence(result)
    assert "database driver" in result.stderr


def test_not_a_database_is_one_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\n" * 50)
    result = run("--db", str(junk), "db", "upgrade")
    assert_one_sentence(result)
    assert junk.read_text() == "shopping list\n" * 50


def test_bad_setting_is_one_sentence_with_key_and_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[floor]\ninterval_minutes = 45\n")
    result = run("--config", str(config), "db", "path")
    assert_one_sentence(result)
    assert "floor.interval_minutes" in result.stderr and str(config) in result.stderr


def test_ingest_reports_bad_lines_and_keeps_the_good(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    feed = (
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}\n'
        "garbage\n"
        '{"type":"contact.queued","at":"2026-11-23T14:00:00Z","contact":"c1","queue":"billing"}\n'
    )
    result = run("--db", str(path), "ingest", "-", stdin=feed)
    assert result.returncode == 1
    assert "line 2: not valid JSON" in result.stderr
    assert "read 3, applied 2, duplicates skipped 0, quarantined 1 (in " in result.stdout
    [kept] = (tmp_path / "quarantine").glob("*-jsonl-*.jsonl")
    record = json.loads(kept.read_text())
    assert (record["line"], record["raw"]) == (2, "garbage")
    assert record["reason"].startswith("not valid JSON")
    missing = run("--db", str(path), "ingest", str(tmp_path / "nope.jsonl"))
    assert_one_sentence(missing)


def test_simulate_writes_a_floor_headless(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    result = run("simulate", "--db", str(path), "--agents", "6", "--seed", "2", "--duration", "1")
    assert result.returncode == 0, result.stderr
    assert "Backfilled" in result.stderr
    assert run("db", "check", "--db", str(path)).returncode == 0


def test_staffing_prints_needed_and_neighbours() -> None:
    import json

    result = run(
        "staffing",
        "--volume",
        "100",
        "--aht",
        "180",
        "--interval",
        "30",
        "--target",
        "80/20",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["agents_needed"] == 14
    assert out["one_fewer"]["agents"] == 13 and out["one_more"]["agents"] == 15
    assert out["one_fewer"]["service_level"] < 0.8 <= out["needed"]["service_level"]
    text = run("staffing", "--volume", "100", "--aht", "180", "--shrinkage", "0.3")
    assert "Agents needed: 14" in text.stdout and "schedule 20" in text.stdout


def test_staffing_refuses_impossible_questions() -> None:
    for args in (["--interval", "0"], ["--target", "120/20"], ["--volume", "1e9"]):
        base = {"--volume": "100", "--aht": "180"}
        base.update(dict(zip(args[::2], args[1::2], strict=True)))
        flat = [x for pair in base.items() for x in pair]
        result = run("staffing", *flat)
        assert_one_sentence(result)
        assert result.stderr.count("\n") == 1


SNAPSHOT_FEED = """\
{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice","sl_target":"80/20"}
{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North","queues":["billing"]}
{"type":"schedule","agent":"a1","start":"2026-11-23T14:00:00Z","end":"2026-11-23T22:00:00Z","activity":"work"}
{"type":"agent.state","at":"2026-11-23T14:00:00Z","agent":"a1","state":"available"}
{"type":"contact.queued","at":"2026-11-23T14:00:00Z","contact":"c1","queue":"billing"}
{"type":"contact.answered","at":"2026-11-23T14:00:10Z","contact":"c1","agent":"a1"}
{"type":"agent.state","at":"2026-11-23T14:00:10Z","agent":"a1","state":"on_contact"}
{"type":"contact.ended","at":"2026-11-23T14:04:10Z","contact":"c1"}
{"type":"agent.state","at":"2026-11-23T14:04:10Z","agent":"a1","state":"acw"}
{"type":"contact.wrapped","at":"2026-11-23T14:05:10Z","contact":"c1"}
{"type":"agent.state","at":"2026-11-23T14:05:10Z","agent":"a1","state":"available"}
{"type":"contact.queued","at":"2026-11-23T14:10:00Z","contact":"c2","queue":"billing"}
{"type":"contact.abandoned","at":"2026-11-23T14:10:03Z","contact":"c2"}
{"type":"contact.queued","at":"2026-11-23T14:20:00Z","contact":"c3","queue":"billing"}
{"type":"contact.abandoned","at":"2026-11-23T14:21:00Z","contact":"c3"}
{"type":"contact.queued","at":"2026-11-23T14:29:00Z","contact":"c4","queue":"billing"}
"""


def test_snapshot_json_matches_hand_worked_figures(tmp_path: Path) -> None:
    import json

    path = tmp_path / "floor.db"
    assert run("--db", str(path), "ingest", "-", stdin=SNAPSHOT_FEED).returncode == 0
    result = run(
        "--db",
        str(path),
        "snapshot",
        "--json",
        "--at",
        "2026-11-23T14:30:00Z",
        env={"FLOORLEAD_TIMEZONE": "UTC"},
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["at"] == "2026-11-23T14:30:00Z"
    assert doc["interval"] == {"start": "2026-11-23T14:30:00Z", "end": "2026-11-23T15:00:00Z"}
    billing = doc["queues"][0]
    today = billing["today"]
    # c1 answered in 10 s; c2 a short abandon (3 s); c3 abandoned after 60 s; c4 waiting
    assert today["offered"] == 3
    assert today["short_abandoned"] == 1
    assert (today["answered"], today["abandoned"], today["answered_in_target"]) == (1, 1, 1)
    assert today["service_level"] == 0.5
    assert today["asa_s"] == 10
    assert today["aht_s"] == 300  # 240 s talk + 60 s ACW
    assert today["abandon_rate"] == round(1 / 3, 6)
    assert billing["waiting"] == 1 and billing["longest_wait_s"] == 60
    assert billing["interval"]["offered"] == 0  # 14:30 interval has only just begun
    agent = doc["agents"][0]
    assert agent["state"] == "available" and agent["time_in_state_s"] == 1490
    assert agent["occupancy"] == round(300 / 1800, 6)
    assert agent["adherence"] == 1.0 and agent["in_adherence"] is True
    earlier = run(
        "--db",
        str(path),
        "snapshot",
        "--at",
        "2026-11-23T14:02:00Z",
        env={"FLOORLEAD_TIMEZONE": "UTC"},
    )
    doc = json.loads(earlier.stdout)
    assert doc["agents"][0]["state"] == "on_contact"
    assert doc["queues"][0]["today"]["handled"] == 0


def test_snapshot_refuses_a_missing_database_and_a_bad_instant(tmp_path: Path) -> None:
    missing = run("--db", str(tmp_path / "none.db"), "snapshot")
    assert_one_sentence(missing)
    assert not (tmp_path / "none.db").exists()
    path = tmp_path / "floor.db"
    run("--db", str(path), "db", "upgrade")
    bad = run("--db", str(path), "snapshot", "--at", "next tuesday-ish")
    assert_one_sentence(bad)
    assert "--at" in bad.stderr


def test_escalations_list_json(tmp_path: Path) -> None:
    import json

    path = tmp_path / "floor.db"
    feed = (
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}\n'
        '{"type":"escalation.raised","at":"2026-11-23T16:40:00Z","escalation":"e1",'
        '"queue":"billing","priority":"P2","kind":"refund","amount":12.5,"customer":"A"}\n'
        '{"type":"escalation.raised","at":"2026-11-23T16:50:00Z","escalation":"e2",'
        '"queue":"billing","priority":"P1","kind":"complaint","customer":"B"}\n'
    )
    assert run("--db", str(path), "ingest", "-", stdin=feed).returncode == 0
    listed = json.loads(run("--db", str(path), "escalations", "list", "--json").stdout)
    assert [e["id"] for e in listed] == ["e2", "e1"]  # P1 first
    assert listed[1]["amount"] == 12.5 and listed[1]["status"] == "open"
    none = json.loads(run("--db", str(path), "escalations", "list", "--status", "resolved").stdout)
    assert none == []
    assert_one_sentence(run("--db", str(path), "escalations", "list", "--status", "lost"))


def test_timesheet_export_and_show(tmp_path: Path) -> None:
    import csv
    import json

    path = tmp_path / "floor.db"
    feed = (
        '{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North"}\n'
        '{"type":"schedule","agent":"a1","start":"2026-11-20T14:00:00Z",'
        '"end":"2026-11-20T22:30:00Z","activity":"work"}\n'
        '{"type":"punch","at":"2026-11-20T14:00:00Z","agent":"a1","kind":"in"}\n'
        '{"type":"punch","at":"2026-11-20T18:00:00Z","agent":"a1","kind":"meal_start"}\n'
        '{"type":"punch","at":"2026-11-20T18:30:00Z","agent":"a1","kind":"meal_end"}\n'
        '{"type":"punch","at":"2026-11-20T22:30:00Z","agent":"a1","kind":"out"}\n'
    )
    assert run("--db", str(path), "ingest", "-", stdin=feed).returncode == 0
    out = tmp_path / "payroll.csv"
    result = run(
        "--db",
        str(path),
        "timesheets",
        "export",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--status",
        "pending",
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(out.open()))
    assert rows[1][:6] == ["a1", "Dana Reyes", "2026-11-20", "8.00", "0.00", "0.00"]
    shown = json.loads(run("--db", str(path), "timesheets", "show", "--date", "2026-11-20").stdout)
    assert shown[0]["worked_h"] == 8.0 and shown[0]["meal_h"] == 0.5
    approved_only = run(
        "--db",
        str(path),
        "timesheets",
        "export",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
    )
    assert approved_only.stdout.count("\n") == 1  # approved only, by default: the header
    assert "1 pending not exported" in approved_only.stderr
    assert_one_sentence(
        run("--db", str(path), "timesheets", "export", "--from", "20/11/2026", "--to", "2026-11-20")
    )


def test_coaching_export_is_markdown_and_the_only_way_out(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from floorlead.store.coaching import add_coaching_note
    from floorlead.store.db import open_database, resolve_target

    path = tmp_path / "floor.db"
    feed = '{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North"}\n'
    assert run("--db", str(path), "ingest", "-", stdin=feed).returncode == 0
    db = open_database(resolve_target(str(path)))
    add_coaching_note(
        db,
        agent_id="a1",
        text="Warm greeting, rushed close.",
        author="sam",
        at=datetime(2026, 11, 20, 15, tzinfo=UTC),
        commitment="Slow the close",
        follow_up_on=date(2026, 11, 21),
    )
    db.dispose()
    out = tmp_path / "dana.md"
    result = run(
        "--db",
        str(path),
        "coaching",
        "export",
        "--agent",
        "a1",
        "-o",
        str(out),
        env={"FLOORLEAD_TIMEZONE": "UTC"},
    )
    assert result.returncode == 0, result.stderr
    text_out = out.read_text()
    assert text_out.startswith("# Coaching record: Dana Reyes (a1)")
    assert "- Slow the close — follow up 2026-11-21 (overdue)" in text_out
    assert "### 2026-11-20 15:00 · coaching · by sam" in text_out
    assert "Warm greeting, rushed close." in text_out
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert_one_sentence(run("--db", str(path), "coaching", "export", "--agent", "nobody"))
    logs = list((tmp_path / "home").rglob("*.log"))
    assert all("Warm greeting" not in p.read_text() for p in logs)  # never in a log


def test_opening_the_floor_skips_the_command_line_parser() -> None:
    """``floorlead`` alone (or with --db/--config) starts the TUI without importing Typer;
    anything else, a typo included, goes to the full parser."""
    import subprocess
    import sys

    from floorlead.launch import floor_options

    assert floor_options([]) == {}
    assert floor_options(["--db", "x.db"]) == {"--db": "x.db"}
    assert floor_options(["--db=x.db", "--config", "f.toml"]) == {
        "--db": "x.db",
        "--config": "f.toml",
    }
    for args in (["demo"], ["--db"], ["--db", "--config", "f"], ["--bd", "x"], ["--help"],
                 ["--db", "a", "--db", "b"], ["--version"], ["--db="]):  # fmt: skip
        assert floor_options(args) is None, args
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, floorlead.launch; print('typer' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "False"


def test_alerts_test_replays_a_recorded_day_by_the_rules_of_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    feed = (
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}\n'
        '{"type":"escalation.raised","at":"2026-11-23T14:00:00Z","escalation":"e1",'
        '"queue":"billing","priority":"P1","kind":"complaint","customer":"Bo"}\n'
        '{"type":"contact.queued","at":"2026-11-23T15:00:00Z","contact":"c1","queue":"billing"}\n'
        '{"type":"contact.abandoned","at":"2026-11-23T15:03:00Z","contact":"c1"}\n'
    )
    assert run("--db", str(path), "ingest", "-", stdin=feed).returncode == 0
    env = {"FLOORLEAD_TIMEZONE": "UTC"}
    done = run("--db", str(path), "alerts", "test", "--date", "2026-11-23", "--json", env=env)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [(a["at"], a["about"]) for a in doc["alerts"]] == [
        ("2026-11-23T14:00:00Z", "p1:e1"),
        ("2026-11-23T14:02:00Z", "sla:e1"),  # P1: respond within 2 minutes
        ("2026-11-23T15:02:00Z", "wait:billing"),  # critical wait: 120 s
    ]
    config = tmp_path / "config.toml"
    config.write_text('[alerts]\nevents = ["longest_wait"]\n', encoding="utf-8")
    text = run(
        "--db", str(path), "alerts", "test", "--date", "2026-11-23",
        env={**env, "FLOORLEAD_CONFIG": str(config)},
    ).stdout  # fmt: skip
    assert "15:02:00  longest_wait  Billing: a contact has waited" in text
    assert "1 alert." in text and "p1" not in text.split("\n", 1)[1]
    assert_one_sentence(run("--db", str(path), "alerts", "test", "--every", "0"))


def test_forecast_import_replaces_the_history_forecast_and_a_bad_row_imports_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "floor.db"
    feed = (
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}\n'
        '{"type":"agent.upsert","agent":"a1","name":"Ann","team":"N","queues":["billing"]}\n'
        '{"type":"schedule","agent":"a1","start":"2026-11-23T14:00:00Z",'
        '"end":"2026-11-23T15:00:00Z","activity":"work"}\n'
    )
    assert run("--db", str(path), "ingest", "-", stdin=feed).returncode == 0
    good = tmp_path / "forecast.csv"
    good.write_text(
        "queue,start,contacts,aht\n"
        "billing,2026-11-23T09:00,100,180\n"  # the floor's clock (New York): 14:00 UTC
        "billing,2026-11-23T14:30:00Z,20,180\n",
        encoding="utf-8",
    )
    done = run("--db", str(path), "forecast", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "Imported 2 forecast intervals" in done.stdout
    shown = json.loads(
        run(
            "--db", str(path), "coverage", "--date", "2026-11-23", "--queue", "billing", "--json"
        ).stdout
    )
    nine = next(r for r in shown["rows"] if r["start"] == "2026-11-23T14:00:00Z")
    # 100 contacts in 30 minutes at 180 s: 10 Erlangs, 14 agents for 80/20; one scheduled
    assert (nine["forecast"], nine["required"], nine["scheduled"]) == (100, 14, 1)
    assert (nine["gap"], nine["standing"]) == (-13, "understaffed")
    assert "Imported for 2 intervals (billing)" in shown["forecast"]
    for body, said in (
        (
            "queue,start,contacts,aht\nbilling,2026-11-23T09:00,-4,180\n",
            "Line 2: contacts must be 0 or more",
        ),
        (
            "queue,start,contacts,aht\nbilling,2026-11-23T09:10,4,180\n",
            "Line 2: '2026-11-23T09:10' is not the start of a 30-minute interval",
        ),
        (
            "queue,start,contacts,aht\nbilling,2026-11-23T10:00,4,180\nsales,2026-11-23T10:00,4,180\n",
            "names queues this floor does not have: sales",
        ),
        ("queue,begin,contacts,aht\n", "the header has no column 'start'"),
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text(body, encoding="utf-8")
        refused = run("--db", str(path), "forecast", "import", str(bad))
        assert_one_sentence(refused)
        assert said in refused.stderr, refused.stderr
    again = json.loads(
        run(
            "--db", str(path), "coverage", "--date", "2026-11-23", "--queue", "billing", "--json"
        ).stdout
    )
    ten = next(r for r in again["rows"] if r["start"] == "2026-11-23T15:00:00Z")
    assert ten["forecast"] == 0  # the refused file's 10:00 row was not imported
