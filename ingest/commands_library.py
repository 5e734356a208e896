"""`rla library list [--json]`, `rla library builds [--json]`, `rla library rollback`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from assistant.settings import Settings

LIST_FIELDS = (
    "doc_id",
    "title",
    "path",
    "publisher",
    "year",
    "doc_type",
    "area",
    "url",
    "licence",
    "themes",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="library_command", metavar="ACTION")
    listing = sub.add_parser("list", help="documents of the served build (default)")
    listing.add_argument("--json", action="store_true")
    builds = sub.add_parser("builds", help="builds on disk and which one is served")
    builds.add_argument("--json", action="store_true")
    sub.add_parser("rollback", help="serve the build the served one replaced")
    parser.set_defaults(library_command="list", json=False)


def run(args: argparse.Namespace, settings: Settings) -> int:
    action = args.library_command or "list"
    if action == "builds":
        return _builds(settings, args.json)
    if action == "rollback":
        return _rollback(settings)
    return _list(settings, args.json)


def _list(settings: Settings, as_json: bool) -> int:
    from assistant.build.lifecycle import read_build, served_build_id
    from assistant.errors import NoBuildError

    build_id = served_build_id(settings)
    if build_id is None:
        raise NoBuildError.in_data_dir(settings.data_dir)
    build = read_build(settings, build_id)
    counts: dict[str, int] = {}
    for chunk in build.chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    rows = [_row(d.to_dict(), counts.get(d.doc_id, 0)) for d in build.documents]
    if as_json:
        print(json.dumps({"build": build.info.to_dict(), "documents": rows}, indent=2))
        return 0
    info = build.info
    if info.is_demo:
        print("DEMO LIBRARY: briefings shipped with the software, not a partnership's library.")
    print(
        f"build {info.build_id} ({info.created}): {info.document_count} documents, "
        f"{info.chunk_count} chunks, {info.embedding_model}, chroma {info.chroma_mode}"
    )
    print()
    for row in rows:
        year = row["year"] or "—"
        print(
            f"{row['doc_id']}  [{row['doc_type']}, {year}, {row['pages']} p, {row['chunks']} chunks]"
        )
        print(f"    {row['title']}")
        if row["publisher"]:
            print(f"    {row['publisher']}")
        if row["themes"]:
            print(f"    themes: {', '.join(row['themes'])}")
    return 0


def _row(doc: dict[str, Any], chunks: int) -> dict[str, Any]:
    row = {key: doc.get(key) for key in LIST_FIELDS}
    row["pages"] = doc.get("page_count", 0)
    row["chunks"] = chunks
    row["is_demo"] = doc.get("is_demo", False)
    return row


def _builds(settings: Settings, as_json: bool) -> int:
    from assistant.build.lifecycle import list_builds, pointer, read_info

    current = pointer(settings)
    rows = []
    for build_id in list_builds(settings):
        info = read_info(settings, build_id)
        role = (
            "served"
            if build_id == current.get("build_id")
            else "previous"
            if build_id == current.get("previous")
            else ""
        )
        rows.append({**info.to_dict(), "role": role})
    if as_json:
        print(json.dumps({"builds": rows}, indent=2))
        return 0
    if not rows:
        print(f"no builds in {settings.builds_dir}")
    for row in rows:
        demo = " demo" if row["is_demo"] else ""
        print(
            f"{row['build_id']}  {row['role'] or '-':8}  {row['document_count']} docs  "
            f"{row['chunk_count']} chunks{demo}  {row['created']}"
        )
    return 0


def _rollback(settings: Settings) -> int:
    from assistant.build.lifecycle import rollback
    from ingest.job import ingest_lock

    with ingest_lock(settings):
        now, before = rollback(settings)
    print(f"now serving build {now} (was {before}); roll back again to return to it")
    return 0
