"""`rla ingest PATH... [--manifest FILE] [--sync] [--dry-run] [--json] [--demo] [--if-no-build]`.

Exit codes: 0 when at least one document was ingested (individual failures are reported, not
fatal), 1 when none was (nothing is written or swapped), 3 when a build could not be written or
validated (the served build is untouched).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument(
        "--manifest", type=Path, help="YAML or CSV file of per-document metadata keyed by path"
    )
    parser.add_argument(
        "--sync", action="store_true", help="drop served documents that are not in PATH..."
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="load and chunk, report; write nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--demo", action="store_true", help="mark the build as the demo library")
    parser.add_argument(
        "--if-no-build", action="store_true", help="do nothing when a build is already served"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.build.lifecycle import served_build_id
    from assistant.embedding.embedder import build_embedder
    from ingest.job import NothingIngested, run_ingest
    from ingest.report import render_table

    if args.if_no_build and served_build_id(settings) is not None:
        message = f"a build is already served from {settings.data_dir}: nothing to do"
        print(json.dumps({"skipped": message}) if args.json else message)
        return 0
    progress = not args.json and not args.no_progress and sys.stderr.isatty()
    embedder = build_embedder(settings, progress=False, throughput=True)
    try:
        report = run_ingest(
            settings,
            args.paths,
            embedder=embedder,
            manifest=args.manifest,
            sync=args.sync,
            dry_run=args.dry_run,
            demo=args.demo,
            progress=progress,
        )
        code = 0
    except NothingIngested as exc:
        report, code = exc.report, 1
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(render_table(report))
        if code:
            print("rla ingest: no document could be ingested", file=sys.stderr)
    return code
