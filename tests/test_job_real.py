"""The job over the real DfE PDFs in ../shared (hashing embedder: this is about pages and reuse)."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.build.lifecycle import open_served
from assistant.settings import Settings
from ingest.job import run_ingest
from tests import docgen
from tests.fakes import HashingEmbedder

PAGE_COUNTS = {
    "dfe-keeping-children-safe-in-education-2025": 187,
    "dfe-childrens-social-care-national-framework-2023": 66,
    "dfe-information-sharing-advice-safeguarding-practitioners-2024": 28,
}


def test_real_folder_with_a_corrupt_file(real_pdfs: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reviews"
    folder.mkdir()
    for pdf in real_pdfs.glob("*.pdf"):  # copies: links out of the library are not followed
        shutil.copyfile(pdf, folder / pdf.name)
    broken = folder / "interrupted-download.pdf"
    broken.write_bytes(
        (real_pdfs / "dfe_keeping_children_safe_in_education_2025.pdf").read_bytes()[:40_000]
    )
    docgen.corrupt(docgen.make_pdf(folder / "garbled.pdf", ["Some words on a page. " * 100] * 3))
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)

    report = run_ingest(settings, [folder], embedder=HashingEmbedder())
    rows = {Path(o.path).name: o for o in report.outcomes}
    assert rows["interrupted-download.pdf"].reason == "corrupt"
    assert rows["garbled.pdf"].reason == "corrupt"
    index = open_served(settings)
    assert {d.doc_id: d.page_count for d in index.documents} == PAGE_COUNTS
    for doc_id, count in PAGE_COUNTS.items():
        pages = index.pages(doc_id)
        assert [p.index for p in pages] == list(range(1, count + 1))
        assert all(p.label for p in pages)
    labels = {(p.doc_id, p.index): p.label for d in index.documents for p in index.pages(d.doc_id)}
    for chunk in index.chunks:
        assert 1 <= chunk.page_start <= chunk.page_end <= PAGE_COUNTS[chunk.doc_id]
        assert chunk.page_label_start == labels[(chunk.doc_id, chunk.page_start)]
        assert chunk.page_label_end == labels[(chunk.doc_id, chunk.page_end)]
        assert chunk.tokens <= settings.chunk_tokens
    kcsie = [c for c in index.chunks if c.doc_id.startswith("dfe-keeping")]
    assert kcsie[-1].page_end >= 180 and any(c.section for c in kcsie)

    embedder = HashingEmbedder()
    again = run_ingest(settings, [folder], embedder=embedder)
    assert again.chunks_embedded == 0 and embedder.texts_embedded == 0
    assert again.build_id == report.build_id
