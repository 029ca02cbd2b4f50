"""Alembic environment: migrations run on a connection handed in by floorlead.store.db."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import floorlead.store.models  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` run by hand
    raise RuntimeError("run migrations through `floorlead db upgrade`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
