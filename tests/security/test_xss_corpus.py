"""XSS corpus (OWASP LLM05, improper output handling): about 25 payloads through document text,
document metadata (title, publisher, area, about links), file names and model output, into every
page — the chat, the viewer, the library and the eval report.

Every page is parsed for active content (a script that is not the app's own, an event-handler
attribute, a link or source with a scheme other than http(s)); the browser test loads the same
pages in real Chromium and fails on any dialog the payloads would open.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from assistant.types import Chunk, Document, Page
from tests.fakes import HashingEmbedder, serve_build
from tests.llm_server import StandInServer
from tests.security.support import ask_form, conversation_path, security_settings

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    '"><script>alert(5)</script>',
    "'><img src=x onerror=alert(6)>",
    "<iframe src=javascript:alert(7)></iframe>",
    "<a href=javascript:alert(8)>click</a>",
    "[click](javascript:alert(9))",
    "![x](javascript:alert(10))",
    "<body onload=alert(11)>",
    "<details open ontoggle=alert(12)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(13)>",
    "<input autofocus onfocus=alert(14)>",
    "<video><source onerror=alert(15)></video>",
    "<object data=javascript:alert(16)>",
    "<embed src=javascript:alert(17)>",
    "<form action=javascript:alert(18)><button>go</button></form>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(19)'>",
    "<base href=javascript:alert(20)//>",
    "javascript:alert(21)",
    "data:text/html,<script>alert(22)</script>",
    "<scr<script>ipt>alert(23)</scr</script>ipt>",
    "&lt;script&gt;alert(24)&lt;/script&gt;",
    "<style>@import 'javascript:alert(25)';</style>",
    "{{7*7}} ${alert(26)} {% raw %}",
]

SAFE_SCHEMES = ("http", "https", "")


class ActiveContent(HTMLParser):
    """Collects anything in a page that could run: foreign scripts, handlers, odd URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"script {values}")
        if tag in ("iframe", "object", "embed", "base", "frame") or (
            tag == "meta" and values.get("http-equiv")
        ):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action", "formaction", "data", "poster", "srcset"):
                scheme = urlsplit((value or "").strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    self.found.append(f"{tag} {name}={value}")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_what_it_must() -> None:
    for bad in PAYLOADS[:8] + [PAYLOADS[10], PAYLOADS[13], PAYLOADS[19]]:
        assert active_content(bad), bad
    assert active_content('<script src="/static/app.js"></script><a href="/x">x</a>') == []


def hostile_library(settings: Any) -> tuple[list[Document], list[Page]]:
    """One document per payload: the payload in its title, publisher, area, about link and text."""
    documents, chunks, pages = [], [], []
    for i, payload in enumerate(PAYLOADS):
        doc_id = f"hostile-{i:02d}"
        text = (
            f"Adultification bias and racism in safeguarding practice {payload} professionals "
            f"saw Black children as older {payload} and less in need of protection."
        )
        documents.append(
            Document(
                doc_id=doc_id,
                title=f"Review {payload}",
                path=f"/library/{payload}.md",
                publisher=f"Partnership {payload}",
                year=2022,
                doc_type="lcspr",
                area=f"Area {payload}",
                url=payload if ":" in payload[:12] else f"https://example.org/{quote(payload)}",
                media_type="md",
                page_count=1,
                extra={"about_title": f"About {payload}", "about_url": payload},
            )
        )
        pages.append(Page(doc_id=doc_id, index=1, label=payload[:20], text=text))
        chunks.append(
            Chunk(
                chunk_id=f"{doc_id}#0",
                doc_id=doc_id,
                n=0,
                text=text,
                page_start=1,
                page_end=1,
                page_label_start=payload[:20],
                page_label_end=payload[:20],
                section=(f"Section {payload}",),
                tokens=len(text.split()),
                themes=("adultification",),
            )
        )
    serve_build(settings, documents, chunks, pages, HashingEmbedder(), tokenizer="")
    return documents, pages


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory, server: StandInServer) -> Any:
    from assistant.pipeline import build_assistant
    from web import create_app

    settings = security_settings(
        tmp_path_factory.mktemp("xss"),
        llm_base_url=server.base_url,
        llm_model="stand-in/puppet",  # model output full of markup, links and scripts
        generator="llm",
    )
    hostile_library(settings)
    return create_app(settings, assistant=build_assistant(settings, embedder=HashingEmbedder()))


def page_urls(client: Any) -> Iterator[tuple[str, str]]:
    """(name, path) of every page a payload can reach, after asking with payloads."""
    for i, payload in enumerate(PAYLOADS[:6]):
        path = conversation_path(ask_form(client, f"adultification bias {payload}"))
        yield f"chat-{i}", path
    yield "conversations", "/conversations"
    yield "library", "/library"
    for i, payload in enumerate(PAYLOADS):
        yield f"viewer-{i}", f"/library/hostile-{i:02d}?page=1&q={quote(payload)}"


def test_no_page_carries_active_content(hostile_app: Any, server: StandInServer) -> None:
    client = hostile_app.test_client()
    before = len(server.requests)
    pages = list(page_urls(client))
    for name, path in pages:
        response = client.get(path)
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert active_content(html) == [], (name, active_content(html))
    assert len(pages) >= 30
    assert len(server.requests) > before  # the model's markup-laden output was part of it
    store = hostile_app.extensions["rla"].store
    generators = {
        t.answer.generator
        for c in store.conversations(_owner(client))
        for t in store.conversation(c.conversation_id, _owner(client)).turns
    }
    assert "llm" in generators  # some model output survived the checks and was rendered


def _owner(client: Any) -> str:
    with client.session_transaction() as session:
        return str(session["owner"])


def test_filenames_with_markup_are_inert(tmp_path: Path) -> None:
    from assistant.pipeline import build_assistant
    from ingest.job import run_ingest
    from web import create_app

    library = tmp_path / "library"
    library.mkdir()
    names = ["<img src=x onerror=alert(1)>.md", '"><svg onload=alert(2)>.txt', "a&b <i>.md"]
    for name in names:
        (library / name).write_text(
            "Practitioners should talk about race and identity in supervision and assessments.\n"
        )
    settings = security_settings(tmp_path / "data")
    report = run_ingest(settings, [library], embedder=HashingEmbedder())
    assert report.build_id
    app = create_app(settings, assistant=build_assistant(settings, embedder=HashingEmbedder()))
    client = app.test_client()
    for path in ["/library"] + [
        f"/library/{d.doc_id}" for d in app.extensions["rla"].assistants.get().index.documents
    ]:
        html = client.get(path).get_data(as_text=True)
        assert active_content(html) == [], path
    listing = client.get("/api/documents").get_data(as_text=True)
    assert "/library/<" not in listing and str(library) not in listing


def test_eval_report_escapes_everything() -> None:
    from assistant.types import Answer, Citation
    from evals.model import Case, Record
    from evals.report import render_html
    from evals.summary import summarise

    records = []
    for i, payload in enumerate(PAYLOADS):
        citation = Citation(
            n=1,
            doc_id="d",
            chunk_id="d#0",
            title=f"T {payload}",
            quote=f"Q {payload}",
            page_start=payload[:10],
            page_end=payload[:10],
            page_index_start=1,
            page_index_end=1,
        )
        answer = Answer(status="answered", text=f"A {payload} [1]", citations=(citation,))
        case = Case(
            id=f"x{i}",
            question=f"Q {payload}",
            kind="adversarial",
            attack=payload,
            handling=payload,
        )
        records.append(Record(case=case, answer=answer, latency_ms=1.0))
    config = {
        "name": PAYLOADS[0],
        "dataset": {"name": PAYLOADS[1], "sha256": "0"},
        "generator": "x",
    }
    html = render_html(config, records, summarise(records))
    assert active_content(html) == []


# --- in real Chromium -----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def served(hostile_app: Any) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        )
    import waitress

    server = waitress.create_server(
        hostile_app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True
    )
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.mark.browser
def test_no_payload_runs_in_chromium(served: str, hostile_app: Any) -> None:
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(base_url=served)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto("/")
        for i, payload in enumerate(PAYLOADS[:4]):  # through the page's own script (streamed)
            page.fill("#question", f"adultification bias {payload}")
            page.click("[data-ask-button]")
            page.wait_for_selector(f"#turn-{i + 1} .rla-answer__text, #turn-{i + 1} .rla-searched")
        for name, path in [("library", "/library")] + [
            (f"viewer-{i}", f"/library/hostile-{i:02d}?page=1&q={quote(p)}")
            for i, p in enumerate(PAYLOADS)
        ]:
            page.goto(path)
            page.wait_for_load_state("load")
            handlers = page.evaluate(
                "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"
            )
            assert handlers == [], (name, handlers)
        browser.close()
    assert dialogs == []
