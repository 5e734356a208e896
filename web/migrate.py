"""Schema migrations (Alembic) for the conversation and feedback database.

``upgrade(engine)`` brings any database to the newest revision: a new one is built by the
migrations, one made by ``create_all`` before migrations existed is stamped as revision 0001 first,
and one already at the newest revision is left alone after one cheap read. ``rla serve`` applies it
once before it starts workers; ``rla db upgrade`` applies it by hand.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision in the migrations folder."""
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Apply what is missing; returns the revision the database is at afterwards."""
    if current(engine) == head():
        return head()
    with engine.begin() as connection:
        config = _config(connection)
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None and inspect(connection).has_table("conversations"):
            command.stamp(config, BASELINE)  # made by create_all before migrations existed
        command.upgrade(config, "head")
    return head()
