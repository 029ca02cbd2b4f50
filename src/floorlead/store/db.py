"""Engine factory, SQLite pragmas, migrations and the database health check.

Nothing connects at import time: every engine comes from :func:`open_database` or
:func:`make_engine`, which take the URL.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.pool import ConnectionPoolEntry

from floorlead.errors import DatabaseError
from floorlead.files import private_folder
from floorlead.store.sqlite import (
    BUSY_TIMEOUT_MS,
    HEAD_REVISION,
    KNOWN_REVISIONS,
    database_value,
    file_of,
)

MIGRATIONS = "floorlead.store:migrations"


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the floor lives: a SQLite file (``path`` set) or any SQLAlchemy URL."""

    url: str
    path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        return make_url(self.url).render_as_string(hide_password=True)


def resolve_target(db: str | None, configured: str = "") -> DatabaseTarget:
    """``--db`` wins, then ``FLOORLEAD_DB``, then the settings file, then the default file."""
    value = database_value(db, configured)
    path = file_of(value)
    if path is not None:
        return DatabaseTarget(f"sqlite:///{path}", path)
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        raise DatabaseError(f"{value!r} is not a valid database URL or file path.") from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise DatabaseError("An in-memory SQLite database cannot hold a floor; name a file.")
        path = Path(url.database).expanduser().absolute()
        return DatabaseTarget(f"sqlite:///{path}", path)
    return DatabaseTarget(value, None)


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    """Own the transaction (pysqlite's legacy mode would not let SAVEPOINTs work); writers
    take the write lock up front so a busy database waits instead of failing mid-way."""
    write = conn.get_execution_options().get("floorlead_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(target: DatabaseTarget, *, read_only: bool = False) -> Engine:
    """A SQLAlchemy engine for ``target``; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        if target.path is not None:
            if read_only:
                uri = f"file:{target.path}?mode=ro"
                engine = create_engine(
                    "sqlite://",
                    creator=lambda: sqlite3.connect(
                        uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
                    ),
                )
                event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            else:
                engine = create_engine(
                    target.url,
                    connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                )
                event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(target.url, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError):
        raise DatabaseError(
            f"floorlead cannot talk to {target.describe()}: its database driver is not installed."
        ) from None
    except (ArgumentError, SQLAlchemyError) as exc:
        raise DatabaseError(
            f"The database URL {target.describe()} cannot be used ({exc})."
        ) from None


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return HEAD_REVISION


def known_revisions() -> frozenset[str]:
    return KNOWN_REVISIONS


def script_revisions() -> tuple[str | None, set[str]]:
    """The head and all revisions according to the migration scripts themselves."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_alembic_config())
    return scripts.get_current_head(), {s.revision for s in scripts.walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    """The revision recorded in ``alembic_version`` (None when there is none)."""
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite opens it."""
    try:
        private_folder(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    except OSError as exc:
        raise DatabaseError(f"Cannot create the database {path}: {exc.strerror}.") from None


def _check_file_access(path: Path) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file.")
    if not os.access(path, os.R_OK):
        raise DatabaseError(f"The database {path} cannot be read (permission denied).")
    if not os.access(path, os.W_OK):
        raise DatabaseError(f"The database {path} is read-only; floorlead needs to write to it.")
    if not os.access(path.parent, os.W_OK):
        raise DatabaseError(
            f"The folder of {path} is read-only; SQLite needs it writable for its journal."
        )


def explain_operational_error(exc: BaseException, target: DatabaseTarget) -> DatabaseError:
    """Turn a driver error into one sentence a supervisor can act on."""
    message = str(getattr(exc, "orig", exc)).lower()
    where = target.describe()
    if "locked" in message or "busy" in message:
        return DatabaseError(
            f"The database {where} is locked by another program; try again in a moment."
        )
    if "malformed" in message:
        return DatabaseError(
            f"The database {where} is damaged (SQLite: database disk image is malformed); "
            "restore it from a backup. Nothing was written."
        )
    if "not a database" in message or "encrypted" in message:
        return DatabaseError(f"{where} is not a usable SQLite database file.")
    if "readonly" in message or "read-only" in message:
        return DatabaseError(f"The database {where} is read-only; floorlead needs to write to it.")
    if "unable to open" in message:
        return DatabaseError(f"The database {where} cannot be opened.")
    if "could not connect" in message or "connection refused" in message:
        return DatabaseError(f"Cannot connect to the database server for {where}.")
    first_line = str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else type(exc).__name__
    return DatabaseError(f"The database {where} cannot be used: {first_line}.")


def _damaged_or_busy(exc: BaseException) -> bool:
    """An error of the file or the server (said in one sentence), as opposed to a record's
    (an integrity error, say, which the caller handles): through SQLAlchemy, or straight from
    the driver (``store.reader`` reads on the driver's own connection)."""
    if isinstance(exc, OperationalError | sqlite3.OperationalError):
        return True
    if type(exc).__name__ == "OperationalError" and type(exc).__module__.startswith("psycopg"):
        return True
    if isinstance(exc, SQLDatabaseError | sqlite3.DatabaseError):
        return "malformed" in str(getattr(exc, "orig", exc))
    return False


def _has_floorlead_tables(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return "alembic_version" in names


def _is_empty(conn: Connection) -> bool:
    return not inspect(conn).get_table_names()


class FloorDatabase:
    """An open, migrated floor database. ``engine`` is shared by reads and writes."""

    def __init__(self, target: DatabaseTarget, engine: Engine) -> None:
        self.target = target
        self.engine = engine

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed if the block finishes, rolled back otherwise."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(floorlead_write=True)
                with conn.begin():
                    yield conn
        except Exception as exc:
            if _damaged_or_busy(exc):
                raise explain_operational_error(exc, self.target) from None
            raise

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except Exception as exc:
            if _damaged_or_busy(exc):
                raise explain_operational_error(exc, self.target) from None
            raise

    def dispose(self) -> None:
        self.engine.dispose()


def upgrade(conn: Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(conn), "head")


def _refuse_foreign(target: DatabaseTarget) -> None:
    """Refuse, through a read-only connection, a file that is not (or not yet) floorlead's."""
    engine = make_engine(target, read_only=True)
    try:
        with engine.connect() as conn:
            if _is_empty(conn):
                return
            if not _has_floorlead_tables(conn):
                raise DatabaseError(f"{target.describe()} is not a floorlead database.")
            revision = current_revision(conn)
    except (OperationalError, sqlite3.DatabaseError) as exc:
        raise explain_operational_error(exc, target) from None
    except SQLAlchemyError as exc:
        raise explain_operational_error(exc, target) from None
    finally:
        engine.dispose()
    if revision is not None and revision not in known_revisions():
        raise DatabaseError(
            f"The database {target.describe()} was written by a newer floorlead "
            f"(revision {revision}); upgrade floorlead to open it."
        )


def open_database(
    target: DatabaseTarget, *, create: bool = True, read_only: bool = False
) -> FloorDatabase:
    """Open (creating and migrating when needed) the floor database at ``target``.

    Refuses a file that is not floorlead's, and a database from a newer floorlead, without
    changing either. ``read_only`` (a reading command): nothing is created, migrated or
    written, a SQLite file is opened read-only, and an older schema is a sentence asking for
    ``floorlead db upgrade``.
    """
    if target.path is not None:
        if not target.path.exists():
            if not create or read_only:
                raise DatabaseError(f"There is no database at {target.path}.")
            if not target.path.parent.exists():
                try:
                    private_folder(target.path.parent)
                except OSError as exc:
                    raise DatabaseError(
                        f"Cannot create the folder {target.path.parent}: {exc.strerror}."
                    ) from None
            _create_private_file(target.path)
        _check_file_access(target.path)
    if target.path is not None:
        _refuse_foreign(target)  # read-only look first: a foreign file is never touched
    engine = make_engine(target, read_only=read_only)
    try:
        with engine.connect() if read_only else engine.begin() as conn:
            if not _is_empty(conn) and not _has_floorlead_tables(conn):
                raise DatabaseError(f"{target.describe()} is not a floorlead database.")
            revision = current_revision(conn)
            if revision is not None and revision not in known_revisions():
                raise DatabaseError(
                    f"The database {target.describe()} was written by a newer floorlead "
                    f"(revision {revision}); upgrade floorlead to open it."
                )
            if revision != head_revision():
                if read_only:
                    raise DatabaseError(
                        f"{target.describe()} is at revision {revision}; run `floorlead db "
                        f"upgrade` to reach {head_revision()} (a reading command never "
                        "changes the floor)."
                    )
                upgrade(conn)
    except DatabaseError:
        engine.dispose()
        raise
    except (OperationalError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise explain_operational_error(exc, target) from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise explain_operational_error(exc, target) from None
    return FloorDatabase(target, engine)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


def busy_reason(target: DatabaseTarget) -> str | None:
    """Why a floor takes long to open, when it is because another program holds the SQLite
    file's write lock (asked without waiting; the lock is taken and given back, nothing is
    written); None otherwise."""
    if target.path is None or not target.path.exists():
        return None
    try:
        probe = sqlite3.connect(target.path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        finally:
            probe.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return (
                f"The floor file {target.path} is locked by another program; the floor shows "
                "as soon as it is free."
            )
    except sqlite3.Error:
        return None
    return None


def check_database(target: DatabaseTarget) -> CheckResult:
    """Say whether the database exists, is floorlead's and is current; never change anything."""
    where = target.describe()
    if target.path is not None:
        if not target.path.exists():
            return CheckResult(False, f"There is no database at {where}.")
        if not os.access(target.path, os.R_OK):
            return CheckResult(False, f"The database {where} cannot be read (permission denied).")
    try:
        engine = make_engine(target, read_only=True)
    except DatabaseError as exc:
        return CheckResult(False, str(exc))
    try:
        with engine.connect() as conn:
            if _is_empty(conn) or not _has_floorlead_tables(conn):
                return CheckResult(False, f"{where} is not a floorlead database.")
            revision = current_revision(conn)
            if conn.dialect.name == "sqlite":
                # SQLite's own check of every page: a corrupted file is said, not written into
                try:
                    problems = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(5)")]
                except SQLAlchemyError as exc:  # too damaged even to be checked
                    problems = [str(getattr(exc, "orig", exc))]
                if problems != ["ok"]:
                    return CheckResult(
                        False,
                        f"{where} is damaged (SQLite's check: {problems[0]}); restore it from a "
                        "backup before using it.",
                    )
    except (OperationalError, sqlite3.DatabaseError) as exc:
        return CheckResult(False, str(explain_operational_error(exc, target)))
    except SQLAlchemyError as exc:
        return CheckResult(False, str(explain_operational_error(exc, target)))
    finally:
        engine.dispose()
    head = head_revision()
    if revision == head:
        return CheckResult(
            True, f"{where} is a floorlead database at the current version ({head})."
        )
    if revision is None or revision not in known_revisions():
        return CheckResult(
            False, f"{where} is at revision {revision}, unknown to this floorlead (newer?)."
        )
    return CheckResult(
        False, f"{where} is at revision {revision}; run `floorlead db upgrade` to reach {head}."
    )
