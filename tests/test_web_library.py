"""The library page, the document viewer (quote highlighted) and rendered PDF page images."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.web_fakes import make_app, web_settings, write_small_build


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("web-library-build")
    write_small_build(web_settings(data, data / "unused.sqlite3"))
    return data


@pytest.fixture()
def client(build_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_app(build_dir, tmp_path / "db.sqlite3").test_client()


def test_library_lists_documents_and_the_build(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/library").get_data(as_text=True)
    assert "Safeguarding children at risk: a national review" in html
    assert "National review" in html and "Guidance" in html
    assert "Child Safeguarding Practice Review Panel" in html
    assert "Language and interpreters" in html  # theme tag
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in html  # pages
    assert "test/hashing-embedder" in html
    assert "About this build" in html
    assert html.index("Briefing: adultification") < html.index(
        "Safeguarding children at risk"
    )  # newest first


def test_viewer_highlights_the_quote_on_the_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/library/national-review-2022",
        query_string={"page": 2, "q": "Professional   curiosity was\noften missing."},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<mark id="q1" tabindex="-1">Professional curiosity was often missing.</mark>' in html
    assert "Text of page 1" in html  # printed label of physical page 2
    assert "Previous page" in html and "Next page" in html
    assert 'rel="prev"' in html and "page=1" in html and "page=3" in html
    assert "Child Safeguarding Practice Review Panel" in html
    assert 'href="https://example.org/national-review.pdf"' in html
    assert '<img class="rla-page-image" src="/library/national-review-2022/page/2.png"' in html
    assert 'alt="Page 1 of Safeguarding children at risk: a national review' in html


def test_viewer_partial_quote_running_onto_the_next_page(client) -> None:  # type: ignore[no-untyped-def]
    quote = "Practitioners did not ask families about their culture or heritage, and words on the next page here"
    html = client.get(
        "/library/national-review-2022", query_string={"page": 2, "q": quote}
    ).get_data(as_text=True)
    assert "<mark" in html
    assert "continues on the next page" in html


def test_viewer_says_when_the_quote_is_not_on_the_page(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get(
        "/library/national-review-2022",
        query_string={"page": 1, "q": "Nothing like this is written"},
    ).get_data(as_text=True)
    assert "<mark" not in html
    assert "could not be found exactly on this page" in html


def test_viewer_escapes_the_quote_and_page_text(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get(
        "/library/adultification-briefing", query_string={"q": "<img src=x onerror=alert(1)>"}
    ).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_viewer_without_page_image_for_markdown(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/library/adultification-briefing?page=2").get_data(as_text=True)
    assert "rla-page-image" not in html
    assert "Previous page" in html and "Next page" not in html
    assert "A demo briefing written to try out this service" in html
    assert 'href="https://example.org/about"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/library/no-such-doc",
        "/library/national-review-2022?page=0",
        "/library/national-review-2022?page=99",
        "/library/national-review-2022/page/99.png",
        "/library/adultification-briefing/page/1.png",
        "/library/no-such-doc/page/1.png",
    ],
)
def test_viewer_404s(client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 404


def test_page_image_is_a_cached_png(client, build_dir: Path) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/library/national-review-2022/page/1.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "max-age=604800" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cached = list((build_dir / "cache" / "pages").glob("*-1.png"))
    assert cached
    again = client.get(
        "/library/national-review-2022/page/1.png",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_page_image_is_omitted_when_the_source_is_gone_or_changed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_small_build(web_settings(data, tmp_path / "x.sqlite3"))
    client = make_app(data, tmp_path / "db.sqlite3").test_client()
    pdf = data / "sources" / "national-review-2022.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% changed after ingest\n")
    html = client.get("/library/national-review-2022?page=2").get_data(as_text=True)
    assert "rla-page-image" not in html
    assert client.get("/library/national-review-2022/page/2.png").status_code == 404
    shutil.rmtree(data / "sources")
    html = client.get("/library/national-review-2022?page=2").get_data(as_text=True)
    assert "rla-page-image" not in html and "Professional curiosity" in html
