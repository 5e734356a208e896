"""Datasets: immutable JSONL files of cases, found by path or by name in ``evals/datasets/``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePath

from assistant.errors import ConfigurationError
from assistant.types import Document
from evals.model import Case, Expected

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
SPLITS = ("tune", "test")


def split_of(case_id: str) -> str:
    """The case's fixed split: ``test`` when sha256(id) is even, else ``tune``.

    Fit rules, word lists and thresholds on ``tune`` only; acceptance is read on ``test``. The rule
    depends on the id alone, so a case never changes split (datasets/README.md).
    """
    digest = hashlib.sha256(case_id.encode("utf-8")).hexdigest()
    return "test" if int(digest, 16) % 2 == 0 else "tune"


def resolve(name_or_path: str) -> Path:
    """``gold-demo-v1``, ``gold-demo-v1.jsonl`` or a path to a JSONL file."""
    path = Path(name_or_path)
    for candidate in (path, DATASETS_DIR / path.name, DATASETS_DIR / f"{path.name}.jsonl"):
        if candidate.is_file():
            return candidate
    known = ", ".join(sorted(p.stem for p in DATASETS_DIR.glob("*.jsonl")))
    raise ConfigurationError(f"no dataset {name_or_path!r} (known: {known})")


def load(path: Path) -> list[Case]:
    cases: list[Case] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                cases.append(Case.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigurationError(f"{path.name} line {number}: {exc}") from exc
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ConfigurationError(f"{path.name}: duplicate case ids")
    return cases


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _name_of(doc: Document) -> str:
    return PurePath(doc.path.replace("\\", "/")).name if doc.path else ""


def expected(case: Case, documents: Sequence[Document]) -> Expected:
    """Map the case's expected file names to the build's doc ids (via Document.path, else doc_id)."""
    by_name = {_name_of(d): d.doc_id for d in documents if d.path}
    ids = {d.doc_id for d in documents}
    resolved: dict[str, str] = {}
    unresolved: list[str] = []
    for name in case.expected_docs:
        doc_id = by_name.get(name) or (name if name in ids else None)
        doc_id = doc_id or next((i for i in ids if i == PurePath(name).stem), None)
        if doc_id is None:
            unresolved.append(name)
        else:
            resolved[name] = doc_id
    return Expected(
        doc_ids=tuple(dict.fromkeys(resolved.values())),
        pages={resolved[n]: frozenset(p) for n, p in case.expected_pages.items() if n in resolved},
        labels={
            resolved[n]: frozenset(p) for n, p in case.expected_page_labels.items() if n in resolved
        },
        unresolved=tuple(unresolved),
    )
