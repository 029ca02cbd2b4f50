"""Shared fixtures: throwaway databases under tmp_path, a frozen floor clock, a seeded floor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from floorlead.config import Settings
from floorlead.feeds.live import backfill
from floorlead.feeds.simulator import FloorSimulator, simulation_begin
from floorlead.store.db import FloorDatabase, open_database, resolve_target

#: Monday 23 November 2026, 12:00 on the floor's clock (America/New_York, EST).
FROZEN = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
TZ = "America/New_York"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read or write the real user's settings, data or logs."""
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "home" / var.lower()))
    monkeypatch.setenv("FLOORLEAD_CONFIG", str(tmp_path / "home" / "no-config.toml"))
    monkeypatch.delenv("FLOORLEAD_DB", raising=False)
    monkeypatch.delenv("FLOORLEAD_TIMEZONE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "floor.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[FloorDatabase]:
    database = open_database(resolve_target(str(db_path)))
    yield database
    database.dispose()


def make_simulator(
    seed: int = 3, agents: int = 18, now: datetime = FROZEN, history: int = 0
) -> FloorSimulator:
    return FloorSimulator(
        start=simulation_begin(now, TZ, history), timezone=TZ, seed=seed, agents=agents
    )


@pytest.fixture
def floor_db(db: FloorDatabase) -> FloorDatabase:
    """A database holding a seeded simulated floor up to FROZEN."""
    backfill(db, make_simulator(), FROZEN)
    return db
