"""`rla db upgrade|current`: the conversation database's schema revision (Alembic).

`rla serve` applies missing migrations itself before it starts; run `rla db upgrade` by hand when
the database account the server uses may not alter tables, or before starting several hosts.
"""

from __future__ import annotations

import argparse

from sqlalchemy.exc import SQLAlchemyError

from assistant.errors import ConfigurationError
from assistant.settings import Settings
from web.migrate import current, head, upgrade
from web.storage import make_engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("upgrade", "current"),
        help="upgrade: apply missing migrations; current: print the database's revision",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.resolved_database_url)
    try:
        if args.action == "upgrade":
            before = current(engine)
            after = upgrade(engine)
            verb = "already at" if before == after else f"upgraded from {before or 'empty'} to"
            print(f"Database {verb} revision {after}.")
        else:
            revision = current(engine)
            state = "up to date" if revision == head() else f"newest is {head()}"
            print(f"Database at revision {revision or 'none'} ({state}).")
    except SQLAlchemyError as exc:
        raise ConfigurationError(
            f"cannot reach the database ({type(exc).__name__}): check RLA_DATABASE_URL"
        ) from exc
    finally:
        engine.dispose()
    return 0
