"""Bad input: every unusable file gives IngestError with a clear reason, never a crash."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.errors import IngestError
from assistant.settings import Settings
from ingest.loaders import REASONS, load
from tests import docgen


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture()
def good_pdf(tmp_path: Path) -> Path:
    pages = [f"Page {n} of the review discusses the family's experience." for n in range(1, 5)]
    return docgen.make_pdf(tmp_path / "good.pdf", pages, header="Borough SCP")


def reason(path: Path, settings: Settings) -> str:
    with pytest.raises(IngestError) as err:
        load(path, settings)
    assert err.value.reason in REASONS
    assert str(err.value)  # a readable message
    return err.value.reason


def test_encrypted_pdf(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_pdf(tmp_path / "locked.pdf", ["secret"], encrypt_password="pw")
    assert reason(path, settings) == "encrypted"


def test_corrupt_pdf(good_pdf: Path, settings: Settings) -> None:
    assert reason(docgen.corrupt(good_pdf), settings) == "corrupt"


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_truncated_pdf(good_pdf: Path, settings: Settings, keep: float) -> None:
    assert reason(docgen.truncate(good_pdf, keep), settings) == "corrupt"


def test_pdf_header_only(tmp_path: Path, settings: Settings) -> None:
    path = docgen.write_bytes(tmp_path / "stub.pdf", b"%PDF-1.7\n")
    assert reason(path, settings) == "corrupt"


def test_named_pdf_but_not_a_pdf(tmp_path: Path, settings: Settings) -> None:
    path = docgen.write_bytes(tmp_path / "fake.pdf", b"<html>an error page</html>")
    assert reason(path, settings) == "corrupt"


def test_pdf_with_no_pages(tmp_path: Path, settings: Settings) -> None:
    assert reason(docgen.make_empty_pdf(tmp_path / "none.pdf"), settings) == "empty"


def test_scanned_pdf_has_no_text_layer(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(IngestError) as err:
        load(path, settings)
    assert err.value.reason == "no_text_layer"
    assert "OCR" in err.value.detail


def test_partly_scanned_pdf_loads_with_a_warning(tmp_path: Path, settings: Settings) -> None:
    texts = ["The typed covering report explains the review.", "Its second typed page."]
    path = docgen.make_scanned_pdf(tmp_path / "mixed.pdf", pages=3, text_pages=texts)
    loaded = load(path, settings)
    assert [b.text for b in loaded.blocks] == texts
    assert "3 of 5 pages have no text layer (scanned pages?)" in loaded.warnings


def test_permissions_only_encryption_still_loads(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_pdf(tmp_path / "restricted.pdf", ["Open to read."], encrypt_password="")
    assert [b.text for b in load(path, settings).blocks] == ["Open to read.", "Page 1"]


def test_blank_pages_pdf_has_no_text_layer(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_blank_pages_pdf(tmp_path / "blank.pdf")
    assert reason(path, settings) == "no_text_layer"


def test_zero_byte_files_are_empty(tmp_path: Path, settings: Settings) -> None:
    for name in ("a.pdf", "a.docx", "a.md", "a.txt", "a.html"):
        assert reason(docgen.write_bytes(tmp_path / name, b""), settings) == "empty"


@pytest.mark.parametrize("content", [b"   \n\n\t\n", b"---\ntitle: Only front matter\n---\n"])
def test_whitespace_only_text_is_empty(tmp_path: Path, settings: Settings, content: bytes) -> None:
    assert reason(docgen.write_bytes(tmp_path / "blank.md", content), settings) == "empty"


def test_file_over_the_size_cap(good_pdf: Path, tmp_path: Path) -> None:
    small_cap = Settings(data_dir=tmp_path / "d", max_file_mb=0.001, _env_file=None)
    with pytest.raises(IngestError) as err:
        load(good_pdf, small_cap)
    assert err.value.reason == "too_large"
    assert "cap" in err.value.detail


def test_zip_bomb_docx(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_zip_bomb_docx(tmp_path / "bomb.docx", inflated_mb=60)
    assert path.stat().st_size < 1024 * 1024
    assert reason(path, settings) == "zip_bomb"


def test_docx_with_too_many_entries_is_a_zip_bomb(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
        for n in range(10_001):
            zf.writestr(f"junk/{n}", "")
    assert reason(path, settings) == "zip_bomb"


def test_zip_that_is_not_a_word_document(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hello")
    assert reason(path, settings) == "corrupt"


def test_docx_with_damaged_xml(tmp_path: Path, settings: Settings) -> None:
    source = docgen.make_docx(tmp_path / "ok.docx", [("Heading", 1, ["Para."])])
    path = tmp_path / "damaged.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    assert reason(path, settings) == "corrupt"


def test_truncated_docx(tmp_path: Path, settings: Settings) -> None:
    path = docgen.make_docx(tmp_path / "cut.docx", [("Heading", 1, ["Para."] * 50)])
    assert reason(docgen.truncate(path, 0.6), settings) == "corrupt"


def test_random_bytes_named_docx(tmp_path: Path, settings: Settings) -> None:
    path = docgen.write_bytes(tmp_path / "r.docx", bytes(range(256)) * 10)
    assert reason(path, settings) == "corrupt"


def test_password_protected_office_file(tmp_path: Path, settings: Settings) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    assert reason(docgen.write_bytes(tmp_path / "locked.docx", ole), settings) == "encrypted"
    assert reason(docgen.write_bytes(tmp_path / "old.doc", ole), settings) == "unsupported"


def test_non_utf8_text_is_decoded_with_a_warning(tmp_path: Path, settings: Settings) -> None:
    path = docgen.write_bytes(
        tmp_path / "latin.txt", "Résumé of the Child’s review".encode("cp1252")
    )
    loaded = load(path, settings)
    assert loaded.blocks[0].text == "Résumé of the Child’s review"
    assert any("cp1252" in w for w in loaded.warnings)


def test_binary_garbage_as_text_never_crashes(tmp_path: Path, settings: Settings) -> None:
    path = docgen.write_bytes(tmp_path / "noise.txt", bytes(range(1, 256)) * 4)
    loaded = load(path, settings)  # decoded somehow; control characters stripped
    assert loaded.pages[0].text
    assert "\x01" not in loaded.pages[0].text


def test_mostly_utf8_with_a_stray_byte_keeps_utf8(tmp_path: Path, settings: Settings) -> None:
    text = "The Child’s voice was not heard. " * 20
    data = text.encode() + b"\xff" + text.encode()
    loaded = load(docgen.write_bytes(tmp_path / "stray.txt", data), settings)
    assert "Child’s voice" in loaded.pages[0].text
    assert any("replaced" in w for w in loaded.warnings)


def test_html_garbage_never_crashes(tmp_path: Path, settings: Settings) -> None:
    path = docgen.write_bytes(tmp_path / "x.html", b"<html><body><div><p>Unclosed <b>tags" * 3)
    try:
        loaded = load(path, settings)
    except IngestError as exc:
        assert exc.reason in ("empty", "corrupt")
    else:
        assert "Unclosed" in loaded.pages[0].text


def test_html_with_only_scripts_is_empty(tmp_path: Path, settings: Settings) -> None:
    html = b"<!doctype html><html><head><script>var a=1;</script></head><body></body></html>"
    assert reason(docgen.write_bytes(tmp_path / "s.html", html), settings) == "empty"


def test_missing_file_is_unreadable(tmp_path: Path, settings: Settings) -> None:
    assert reason(tmp_path / "nope.pdf", settings) == "unreadable"


def test_folder_is_not_a_document(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    assert reason(folder, settings) == "unsupported"


def test_good_file_loads_after_bad_ones(good_pdf: Path, tmp_path: Path, settings: Settings) -> None:
    bad = docgen.corrupt(Path(shutil.copy(good_pdf, tmp_path / "bad.pdf")))
    assert reason(bad, settings) == "corrupt"
    assert len(load(good_pdf, settings).pages) == 4
