"""`rla purge`: delete stored conversations and feedback older than the retention period."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from assistant.errors import ConfigurationError
from assistant.settings import Settings
from web.storage import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--older-than-days",
        type=int,
        default=None,
        metavar="N",
        help="delete what was last updated more than N days ago (default: RLA_RETENTION_DAYS)",
    )
    parser.add_argument("--all", action="store_true", help="delete every conversation and feedback")
    parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")


def cutoff(
    args: argparse.Namespace, settings: Settings, now: datetime | None = None
) -> datetime | None:
    """The moment before which everything goes; None when retention is off and nothing was asked."""
    now = now or datetime.now(UTC)
    if args.all:
        return now + timedelta(seconds=1)
    days = args.older_than_days if args.older_than_days is not None else settings.retention_days
    if days < 0:
        raise ConfigurationError("--older-than-days must be 0 or more")
    if days == 0 and args.older_than_days is None:
        return None  # RLA_RETENTION_DAYS=0 means "keep": purge only when told explicitly
    return now - timedelta(days=days)


def run(args: argparse.Namespace, settings: Settings) -> int:
    when = cutoff(args, settings)
    if when is None:
        print(
            "Retention is off (RLA_RETENTION_DAYS=0): nothing purged. Use --older-than-days or --all."
        )
        return 0
    store = Store.from_url(settings.resolved_database_url)
    if args.dry_run:
        report = store.count_older_than(when)
        verb = "Would delete"
    else:
        report = store.purge_older_than(when)
        verb = "Deleted"
    print(
        f"{verb} {report.conversations} conversation(s) with {report.turns} question(s), "
        f"and {report.feedback} feedback record(s), from before {when:%Y-%m-%d %H:%M} UTC."
    )
    return 0
