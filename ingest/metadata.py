"""Document metadata: manifest files, stable ids, document types, and the merged Document.

Precedence, field by field: the manifest entry, then what the file says about itself (front
matter, HTML metadata, DOCX core properties, the PDF info dictionary), then inference (first
heading or cover title, words in the title, the file name).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConfigurationError
from assistant.types import DOC_TYPES, Document
from ingest.dates import normalise_date
from ingest.model import LoadedDocument

MAX_ID_LENGTH = 80
# Manifest and front matter keys that are Document fields (the rest go to Document.extra).
_FIELDS = ("title", "publisher", "date", "year", "doc_type", "area", "url", "licence", "themes")
_ALIASES = {
    "license": "licence",
    "type": "doc_type",
    "document_type": "doc_type",
    "partnership": "area",
    "id": "doc_id",
    "tags": "themes",
}
# (doc_type, pattern) in order: the first match wins. A briefing about a review is a briefing.
_TYPE_RULES: tuple[tuple[str, str], ...] = (
    ("briefing", r"\bbriefing\b|\blearning brief\b|\b7[- ]minute\b|\bseven[- ]minute\b"),
    ("rapid_review", r"\brapid review\b"),
    ("serious_case_review", r"\bserious case review\b|\bscr\b"),
    ("national_review", r"\bnational (child safeguarding practice )?review\b"),
    (
        "lcspr",
        r"\blocal child safeguarding practice review\b|\blcspr\b"
        r"|\bchild safeguarding practice review\b(?! panel)",  # not the Panel's name
    ),
    (
        "guidance",
        r"\bstatutory guidance\b|\bguidance\b|\badvice for practitioners\b"
        r"|\bworking together to safeguard children\b|\bkeeping children safe in education\b",
    ),
    ("news", r"\bnews\b|\bpress release\b"),
)
_ORGANISATION = re.compile(
    r"\b(department|dfe|council|partnership|panel|government|agency|board|trust|service|office"
    r"|nspcc|ofsted|nhs|police|safeguarding|children|inspectorate|university|institute|hm)\b",
    re.IGNORECASE,
)


# --- manifest -----------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Per-document metadata from a YAML or CSV file, keyed by resolved absolute path.

    Paths in the file are relative to the manifest's folder (absolute paths are kept). YAML: a
    mapping of path -> fields, or a list of mappings each with a ``path`` (optionally under a
    top-level ``documents:`` key). CSV: a header row with a ``path`` column; ``themes`` split on
    ``;`` or ``|``. Raises ConfigurationError naming the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"manifest not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    else:
        raise ConfigurationError(f"manifest {path}: use a .yaml, .yml or .csv file")
    out: dict[str, dict[str, Any]] = {}
    for where, raw_path, fields in rows:
        key = str((path.parent / raw_path).expanduser().resolve())
        if key in out:
            raise ConfigurationError(f"manifest {path}: {where}: {raw_path!r} listed twice")
        out[key] = _entry(fields, f"manifest {path}: {where} ({raw_path})")
    return out


def _yaml_rows(path: Path) -> list[tuple[str, str, Mapping[str, Any]]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"manifest {path} is not valid YAML: {exc}") from exc
    if isinstance(data, Mapping) and isinstance(data.get("documents"), list):
        data = data["documents"]
    rows: list[tuple[str, str, Mapping[str, Any]]] = []
    if isinstance(data, Mapping):
        for key, fields in data.items():
            if fields is not None and not isinstance(fields, Mapping):
                raise ConfigurationError(f"manifest {path}: {key!r} must map to fields")
            rows.append((f"entry {key!r}", str(key), fields or {}))
    elif isinstance(data, list):
        for n, item in enumerate(data, start=1):
            if not isinstance(item, Mapping) or not str(item.get("path") or "").strip():
                raise ConfigurationError(f"manifest {path}: item {n} needs a 'path'")
            rows.append((f"item {n}", str(item["path"]).strip(), item))
    else:
        raise ConfigurationError(
            f"manifest {path}: expected a mapping of paths to fields, or a list of entries"
        )
    return rows


def _csv_rows(path: Path) -> list[tuple[str, str, Mapping[str, Any]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "path" not in [f.strip() for f in reader.fieldnames]:
                raise ConfigurationError(f"manifest {path}: the CSV needs a 'path' column")
            rows: list[tuple[str, str, Mapping[str, Any]]] = []
            for n, row in enumerate(reader, start=2):
                fields = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
                if not fields.get("path"):
                    raise ConfigurationError(f"manifest {path}: line {n} has no path")
                rows.append((f"line {n}", fields["path"], {k: v for k, v in fields.items() if v}))
            return rows
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"manifest {path} is not a readable CSV: {exc}") from exc


def _entry(fields: Mapping[str, Any], where: str) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for raw_key, value in fields.items():
        key = _ALIASES.get(str(raw_key).strip().lower(), str(raw_key).strip().lower())
        if key == "path" or value is None or value == "":
            continue
        entry[key] = value
    if "doc_type" in entry:
        doc_type = normalise_doc_type(str(entry["doc_type"]))
        if doc_type is None:
            raise ConfigurationError(
                f"{where}: doc_type {entry['doc_type']!r} is not one of {', '.join(DOC_TYPES)}"
            )
        entry["doc_type"] = doc_type
    if "year" in entry:
        try:
            entry["year"] = int(str(entry["year"]).strip())
        except ValueError:
            raise ConfigurationError(f"{where}: year {entry['year']!r} is not a number") from None
    if "themes" in entry:
        entry["themes"] = list(split_themes(entry["themes"]))
    if "doc_id" in entry and not slugify(str(entry["doc_id"])):
        raise ConfigurationError(f"{where}: id {entry['doc_id']!r} has no letters or digits")
    return entry


def lookup_manifest(
    manifest: Mapping[str, Mapping[str, Any]], path: Path
) -> Mapping[str, Any] | None:
    """The manifest entry for ``path``: by resolved path, else by file name when exactly one
    entry has that name."""
    if not manifest:
        return None
    entry = manifest.get(str(Path(path).resolve()))
    if entry is not None:
        return entry
    same_name = [e for key, e in manifest.items() if Path(key).name == Path(path).name]
    return same_name[0] if len(same_name) == 1 else None


# --- ids and types ------------------------------------------------------------------------------


def slugify(text: str, max_length: int = MAX_ID_LENGTH) -> str:
    """Lowercase a-z, 0-9 and single hyphens; accents folded; cut at a hyphen near max_length."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[max_length // 2 :] else cut
    return slug.strip("-")


def make_doc_id(
    path: Path,
    metadata: LoadedDocument | Mapping[str, Any] | None = None,
    manifest_entry: Mapping[str, Any] | None = None,
) -> str:
    """A stable id: an explicit ``id``/``doc_id`` (manifest first, then the file's own metadata),
    else a slug of the file name. ``metadata`` may be a LoadedDocument or its metadata."""
    if isinstance(metadata, LoadedDocument):
        metadata = metadata.metadata
    for source in (manifest_entry or {}, metadata or {}):
        for key in ("doc_id", "id"):
            explicit = slugify(str(source.get(key) or ""))
            if explicit:
                return explicit
    return slugify(Path(path).stem) or "document-" + slugify(Path(path).suffix or "x")


def normalise_doc_type(value: str) -> str | None:
    """A DOC_TYPES value for ``value`` ("LCSPR", "Serious case review", "rapid-review"), or
    None when it names none of them."""
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if key in DOC_TYPES:
        return key
    inferred = infer_doc_type(value.replace("_", " "))
    return inferred if inferred != "other" else None


def infer_doc_type(title: str, text: str = "", path: Path | str | None = None) -> str:
    """doc_type from words in the title and file name, else the opening text; else "other"."""
    name = Path(path).stem.replace("_", " ").replace("-", " ") if path else ""
    for haystack in (f"{title}\n{name}".lower(), text[:2000].lower()):
        for doc_type, pattern in _TYPE_RULES:
            if re.search(pattern, haystack):
                return doc_type
    return "other"


# --- the merged Document ------------------------------------------------------------------------


def file_metadata(loaded: LoadedDocument) -> dict[str, Any]:
    """The file's own metadata with Document field names, before the manifest is applied:
    aliases resolved, and the demo briefings' ``about_*`` keys (describing the original
    publication) used for publisher, date and url when the plain keys are absent."""
    meta = {_ALIASES.get(k.lower(), k.lower()): v for k, v in loaded.metadata.items()}
    fallbacks = {
        "publisher": ("about_publisher",),
        "date": ("about_date",),
        "url": ("about_url",),
        "licence": ("licence_of_original", "license_of_original"),
        "title": ("docx_title", "pdf_title", "first_heading", "cover_title"),
    }
    for key, sources in fallbacks.items():
        if not _text(meta.get(key)):
            meta[key] = next((meta[s] for s in sources if _text(meta.get(s))), "")
    if not _text(meta.get("publisher")):
        meta["publisher"] = _organisation(meta.get("pdf_author")) or _text(meta.get("sitename"))
    if not _text(meta.get("date")) and _text(meta.get("pdf_creation_date")):
        meta["date"] = meta["pdf_creation_date"]
        meta["date_source"] = "pdf_creation_date"
    return meta


def resolve_document(
    loaded: LoadedDocument,
    *,
    doc_id: str,
    manifest_entry: Mapping[str, Any] | None,
    source_path: str,
    is_demo: bool,
) -> Document:
    """The Document for a loaded file: manifest > the file's metadata > inference."""
    meta = file_metadata(loaded)
    meta.update({k: v for k, v in (manifest_entry or {}).items() if v not in (None, "")})
    title = _text(meta.get("title")) or prettify_file_name(loaded.path)
    date, year, date_text = normalise_date(meta.get("date"))
    if meta.get("year") not in (None, ""):
        year = _year(meta["year"]) or year
    if year is None and _year(Path(loaded.path).stem):  # "review-child-a-2021.pdf"
        year = _year(Path(loaded.path).stem)
        meta["year_source"] = "file name"
    doc_type = normalise_doc_type(_text(meta.get("doc_type"))) if meta.get("doc_type") else None
    opening = "\n".join(p.text for p in loaded.pages[:2])
    extra = _extra(meta)
    if date_text:
        extra["date_text"] = date_text
    return Document(
        doc_id=doc_id,
        title=title,
        path=source_path,
        publisher=_text(meta.get("publisher")),
        date=date,
        year=year,
        doc_type=doc_type or infer_doc_type(title, opening, loaded.path),
        area=_text(meta.get("area")),
        url=_text(meta.get("url")),
        licence=_text(meta.get("licence")),
        themes=split_themes(meta.get("themes")),
        digest=loaded.digest,
        media_type=loaded.media_type,
        page_count=len(loaded.pages),
        is_demo=is_demo,
        extra=extra,
    )


def prettify_file_name(path: Path | str) -> str:
    """ "lcspr_child-A_final-v2.pdf" -> "Lcspr child A final v2"."""
    words = re.sub(r"[_\-.]+", " ", Path(path).stem).split()
    text = " ".join(words) or Path(path).name
    return text[:1].upper() + text[1:]


def split_themes(value: Any) -> tuple[str, ...]:
    """Theme slugs from a list or a string separated by ``;``, ``|`` or ``,``; order kept."""
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"[;|,]", str(value))
    out: list[str] = []
    for item in items:
        slug = slugify(str(item))
        if slug and slug not in out:
            out.append(slug)
    return tuple(out)


def _extra(meta: Mapping[str, Any]) -> dict[str, str]:
    """Everything that is not a Document field, as strings (lists joined by newlines)."""
    skip = {*_FIELDS, "doc_id", "page_count"}
    out: dict[str, str] = {}
    for key, value in meta.items():
        if key in skip or value in (None, "", [], {}):
            continue
        if isinstance(value, list | tuple):
            if all(isinstance(v, str | int | float) for v in value):
                out[key] = "\n".join(str(v) for v in value)
        elif isinstance(value, str | int | float | bool):
            out[key] = str(value)
    return out


def _text(value: Any) -> str:
    if value is None or isinstance(value, Mapping | list | tuple):
        return ""
    return " ".join(str(value).split())


def _year(value: Any) -> int | None:
    m = re.search(r"(?<![0-9])(19\d\d|20\d\d|21\d\d)(?![0-9])", str(value))
    return int(m.group(1)) if m else None


def _organisation(author: Any) -> str:
    """The PDF author when it names an organisation (not a person's or a template's name)."""
    text = _text(author)
    return text if text and _ORGANISATION.search(text) else ""


__all__: Sequence[str] = (
    "file_metadata",
    "infer_doc_type",
    "lookup_manifest",
    "make_doc_id",
    "normalise_doc_type",
    "prettify_file_name",
    "read_manifest",
    "resolve_document",
    "slugify",
    "split_themes",
)
