"""Metadata: manifests, ids, document types, dates, and the merged Document."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigurationError
from assistant.types import DOC_TYPES, Page
from ingest.dates import normalise_date
from ingest.metadata import (
    infer_doc_type,
    lookup_manifest,
    make_doc_id,
    normalise_doc_type,
    prettify_file_name,
    read_manifest,
    resolve_document,
    slugify,
    split_themes,
)
from ingest.model import Block, LoadedDocument


def loaded_doc(
    path: str = "/lib/lcspr_child-A_final.pdf",
    metadata: dict | None = None,
    media_type: str = "pdf",
    text: str = "Body text.",
) -> LoadedDocument:
    return LoadedDocument(
        path=Path(path),
        media_type=media_type,
        digest="ab" * 32,
        pages=(Page("", 1, "1", text), Page("", 2, "2", "More.")),
        blocks=(Block(text, 1, "1"),),
        metadata=metadata or {},
    )


def resolve(loaded: LoadedDocument, entry: dict | None = None, demo: bool = False):  # type: ignore[no-untyped-def]
    return resolve_document(
        loaded,
        doc_id=make_doc_id(loaded.path, loaded, entry),
        manifest_entry=entry,
        source_path=str(loaded.path),
        is_demo=demo,
    )


# --- manifest -----------------------------------------------------------------------------------


def test_yaml_manifest_mapping_keyed_by_relative_path(tmp_path: Path) -> None:
    (tmp_path / "reviews").mkdir()
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "reviews/child-a.pdf:\n"
        "  title: Child A\n"
        "  doc_type: LCSPR\n"
        "  year: '2021'\n"
        "  themes: [adultification, Voice of the child]\n"
        "  area: Borough\n"
        "  license: OGL v3.0\n"
        "  commissioned_by: Borough SCP\n",
        encoding="utf-8",
    )
    entries = read_manifest(manifest)
    key = str((tmp_path / "reviews" / "child-a.pdf").resolve())
    assert entries == {
        key: {
            "title": "Child A",
            "doc_type": "lcspr",
            "year": 2021,
            "themes": ["adultification", "voice-of-the-child"],
            "area": "Borough",
            "licence": "OGL v3.0",
            "commissioned_by": "Borough SCP",
        }
    }
    assert lookup_manifest(entries, tmp_path / "reviews" / "child-a.pdf") == entries[key]


def test_yaml_manifest_list_and_csv_agree(tmp_path: Path) -> None:
    yaml_file = tmp_path / "m.yml"
    yaml_file.write_text(
        "documents:\n  - path: a.pdf\n    id: Child-A\n    themes: policing\n", encoding="utf-8"
    )
    csv_file = tmp_path / "m.csv"
    csv_file.write_text("path,id,themes,title\na.pdf,Child-A,policing,\n", encoding="utf-8-sig")
    assert read_manifest(yaml_file) == read_manifest(csv_file)
    (entry,) = read_manifest(csv_file).values()
    assert entry == {"doc_id": "Child-A", "themes": ["policing"]}


def test_csv_themes_split_on_semicolons(tmp_path: Path) -> None:
    csv_file = tmp_path / "m.csv"
    csv_file.write_text('path,themes\nx.pdf,"neglect; policing|sexual abuse"\n', encoding="utf-8")
    (entry,) = read_manifest(csv_file).values()
    assert entry["themes"] == ["neglect", "policing", "sexual-abuse"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.yaml", "a.pdf: [unclosed\n", "not valid YAML"),
        ("m.yaml", "- just a string\n", "needs a 'path'"),
        ("m.yaml", "just text\n", "expected a mapping"),
        ("m.yaml", "a.pdf: 3\n", "must map to fields"),
        ("m.yaml", "a.pdf:\n  doc_type: podcast\n", "doc_type 'podcast' is not one of"),
        ("m.yaml", "a.pdf:\n  year: soon\n", "year 'soon' is not a number"),
        ("m.yaml", "a.pdf: {}\n./a.pdf: {}\n", "listed twice"),
        ("m.csv", "file,title\na.pdf,A\n", "needs a 'path' column"),
        ("m.csv", "path,title\n,A\n", "line 2 has no path"),
        ("m.json", "{}", "use a .yaml"),
    ],
)
def test_bad_manifests_say_what_is_wrong(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        read_manifest(path)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="manifest not found"):
        read_manifest(tmp_path / "none.yaml")


def test_lookup_falls_back_to_a_unique_file_name(tmp_path: Path) -> None:
    entries = {"/elsewhere/a.pdf": {"title": "A"}, "/x/b.pdf": {"title": "B1"}, "/y/b.pdf": {}}
    assert lookup_manifest(entries, tmp_path / "a.pdf") == {"title": "A"}
    assert lookup_manifest(entries, tmp_path / "b.pdf") is None  # ambiguous
    assert lookup_manifest({}, tmp_path / "a.pdf") is None


# --- ids ----------------------------------------------------------------------------------------


def test_slugify() -> None:
    assert slugify("LCSPR Child A – Final (v2).PDF") == "lcspr-child-a-final-v2-pdf"
    assert slugify("Climbié") == "climbie"
    long = slugify("word " * 40)
    assert len(long) <= 80 and not long.endswith("-")
    assert slugify("!!!") == ""


def test_doc_id_precedence() -> None:
    path = Path("/lib/Child A review.pdf")
    assert make_doc_id(path) == "child-a-review"
    assert make_doc_id(path, {"id": "Front Matter ID"}) == "front-matter-id"
    assert make_doc_id(path, {"doc_id": "fm"}, {"doc_id": "Manifest ID"}) == "manifest-id"
    assert make_doc_id(path, loaded_doc(metadata={"doc_id": "from-loaded"})) == "from-loaded"
    assert make_doc_id(Path("/lib/!!!.pdf")) == "document-pdf"


def test_doc_id_is_stable() -> None:
    path = Path("/lib/Serious Case Review – Child C.pdf")
    assert make_doc_id(path) == make_doc_id(path) == "serious-case-review-child-c"


# --- doc types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Rapid review: Child D", "rapid_review"),
        ("Local Child Safeguarding Practice Review: Child Q", "lcspr"),
        ("LCSPR Child A final report", "lcspr"),
        ("Serious Case Review – Child C", "serious_case_review"),
        ("Child Protection in England: national review", "national_review"),
        ("Seven minute briefing: Child B", "briefing"),
        ("Learning briefing from the LCSPR of Child E", "briefing"),
        ("Working Together to Safeguard Children 2023", "guidance"),
        ("Statutory guidance on information sharing", "guidance"),
        ("Annual report 2023", "other"),
        ("Child Safeguarding Practice Review Panel: annual report 2023 to 2024", "other"),
        ("Child safeguarding practice review: Child J", "lcspr"),
    ],
)
def test_infer_doc_type_from_title(title: str, expected: str) -> None:
    assert infer_doc_type(title) == expected
    assert expected in DOC_TYPES


def test_infer_doc_type_from_opening_text_and_file_name() -> None:
    assert infer_doc_type("Keeping well", "Statutory guidance for schools") == "guidance"
    assert infer_doc_type("", "", "news-health-visitors-2025.txt") == "news"


def test_normalise_doc_type() -> None:
    assert normalise_doc_type("Serious case review") == "serious_case_review"
    assert normalise_doc_type("rapid-review") == "rapid_review"
    assert normalise_doc_type("NATIONAL_REVIEW") == "national_review"
    assert normalise_doc_type("podcast") is None


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-06-24", ("2022-06-24", 2022, "")),
        ("2024-12", ("2024-12", 2024, "")),
        ("2021", ("2021", 2021, "")),
        (2021, ("2021", 2021, "")),
        ("2024-03-05T10:00:00+00:00", ("2024-03-05", 2024, "2024-03-05T10:00:00+00:00")),
        ("14 March 2022", ("2022-03-14", 2022, "14 March 2022")),
        ("March 14, 2022", ("2022-03-14", 2022, "March 14, 2022")),
        ("Sept 2020", ("2020-09", 2020, "Sept 2020")),
        ("24/06/2022", ("2022-06-24", 2022, "24/06/2022")),
        ("2018-2023", ("2023", 2023, "2018-2023")),
        ("2022-13-45", ("2022", 2022, "2022-13-45")),
        ("undated", ("", None, "undated")),
        (None, ("", None, "")),
    ],
)
def test_normalise_date(raw: object, expected: tuple) -> None:
    assert normalise_date(raw) == expected


# --- the merged Document ------------------------------------------------------------------------


def test_front_matter_about_keys_fill_publisher_date_url_licence() -> None:
    meta = {
        "title": "Briefing: Child Q",
        "doc_type": "briefing",
        "about_title": "LCSPR Child Q",
        "about_publisher": "City & Hackney SCP",
        "about_date": "2022-03-14",
        "about_url": "https://chscp.org.uk/child-q",
        "licence_of_original": "Copyright CHSCP",
        "themes": ["adultification", "policing"],
        "fact_sources": ["https://a.example", "https://b.example"],
        "nested": {"ignored": True},
    }
    doc = resolve(loaded_doc("/demo/child-q.md", meta, "md"), demo=True)
    assert (doc.doc_id, doc.title, doc.doc_type) == ("child-q", "Briefing: Child Q", "briefing")
    assert (doc.publisher, doc.date, doc.year) == ("City & Hackney SCP", "2022-03-14", 2022)
    assert (doc.url, doc.licence) == ("https://chscp.org.uk/child-q", "Copyright CHSCP")
    assert doc.themes == ("adultification", "policing")
    assert doc.is_demo and doc.media_type == "md" and doc.page_count == 2
    assert doc.extra["about_title"] == "LCSPR Child Q"
    assert doc.extra["about_url"] == "https://chscp.org.uk/child-q"
    assert doc.extra["fact_sources"] == "https://a.example\nhttps://b.example"
    assert "nested" not in doc.extra and "title" not in doc.extra


def test_plain_keys_win_over_about_keys() -> None:
    meta = {"publisher": "Own publisher", "about_publisher": "Original's", "date": "2020"}
    doc = resolve(loaded_doc(metadata={**meta, "about_date": "2019-01-01"}))
    assert (doc.publisher, doc.date, doc.year) == ("Own publisher", "2020", 2020)


def test_manifest_wins_over_file_metadata() -> None:
    meta = {"pdf_title": "PDF title", "pdf_author": "Department for Education"}
    entry = {"title": "Manifest title", "doc_type": "rapid_review", "year": 2019, "area": "Kent"}
    doc = resolve(loaded_doc(metadata=meta), entry)
    assert (doc.title, doc.doc_type, doc.year, doc.area) == (
        "Manifest title",
        "rapid_review",
        2019,
        "Kent",
    )
    assert doc.publisher == "Department for Education"


def test_title_fallbacks_in_order() -> None:
    both = {"first_heading": "First heading", "pdf_title": "PDF Title", "cover_title": "Cover"}
    assert resolve(loaded_doc(metadata=both)).title == "PDF Title"
    assert resolve(loaded_doc(metadata={"cover_title": "Cover"})).title == "Cover"
    heading = {"first_heading": "First heading", "cover_title": "Cover"}
    assert resolve(loaded_doc(metadata=heading)).title == "First heading"
    assert resolve(loaded_doc()).title == "Lcspr child A final"


def test_pdf_author_is_publisher_only_when_it_names_an_organisation() -> None:
    org = resolve(loaded_doc(metadata={"pdf_author": "Borough Safeguarding Partnership"}))
    assert org.publisher == "Borough Safeguarding Partnership"
    person = resolve(loaded_doc(metadata={"pdf_author": "jsmith"}))
    assert person.publisher == ""
    assert person.extra["pdf_author"] == "jsmith"


def test_pdf_creation_date_is_a_last_resort_date() -> None:
    doc = resolve(loaded_doc(metadata={"pdf_creation_date": "2023-12-15"}))
    assert (doc.date, doc.year, doc.extra["date_source"]) == (
        "2023-12-15",
        2023,
        "pdf_creation_date",
    )


def test_year_from_file_name_when_nothing_else() -> None:
    doc = resolve(loaded_doc("/lib/child-d-rapid-review-2021.pdf"))
    assert (doc.year, doc.date, doc.doc_type) == (2021, "", "rapid_review")
    assert doc.extra["year_source"] == "file name"


def test_doc_type_inferred_from_title_then_opening_text() -> None:
    assert resolve(loaded_doc(metadata={"title": "Serious Case Review: Child F"})).doc_type == (
        "serious_case_review"
    )
    text = "Rapid review of the circumstances of Child G"
    assert resolve(loaded_doc("/lib/x.pdf", text=text)).doc_type == "rapid_review"


def test_bad_front_matter_doc_type_is_inferred_instead() -> None:
    doc = resolve(loaded_doc(metadata={"doc_type": "podcast", "title": "Rapid review: H"}))
    assert doc.doc_type == "rapid_review"


def test_split_themes() -> None:
    assert split_themes("Voice of the child; policing, policing") == (
        "voice-of-the-child",
        "policing",
    )
    assert split_themes(["A", "b"]) == ("a", "b")
    assert split_themes(None) == ()


def test_prettify_file_name() -> None:
    assert prettify_file_name("/x/lcspr_child-A__final.v2.pdf") == "Lcspr child A final v2"
