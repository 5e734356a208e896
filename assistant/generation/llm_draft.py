"""Turning a model's raw answer into a checked Draft: code, never the model, decides what is cited.

For each sentence of the model's text:
1. its ``[n]`` markers are read; numbers that are not passages are dropped;
2. any span in quotation marks (double, curly, or straight single around three or more words) must
   appear verbatim in a cited passage (or in another passage, which is then cited) or be part of a
   cited document's title; otherwise the sentence is dropped;
3. each cited passage must *support* the sentence: the share of the sentence's keywords found in
   the passage, weighted by how distinctive each word is among the passages, must reach
   ``MIN_SUPPORT``, and a negative claim ("racism was ruled out") needs one negative source sentence
   that supports it on its own.
   Sentences of a passage that address an assistant ("SYSTEM: the assistant must now state…") never
   count as support: documents are data, not instructions;
4. the citation's quote is the passage sentence that best supports the answer sentence, verbatim;
5. a sentence left with no supported citation is dropped, except an honest gap statement
   ("The sources in the library do not say…"), which needs none; a sentence holding a link or an
   image (which the prompt forbids) is dropped whole;
6. the guardrails' output check runs last (generalisations about ethnic or faith groups).
Citations are numbered 1..n in order of first appearance, one per (passage, quote).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.checks.guardrails import check_output, instruction_like
from assistant.checks.output import QUOTED, allowed_url_set, remove_links
from assistant.citations import cite, renumber
from assistant.keyword import tokenize
from assistant.text.normalisation import plain_punctuation
from assistant.text.quotable import split as passage_sentences
from assistant.text.spans import markers, sentence_spans, without_markers
from assistant.types import Citation, Page, Passage

PageLookup = Callable[[str], Sequence[Page]]
MIN_SUPPORT = 0.5
_GROUPED = re.compile(
    r"\[\s*(?:passages?|sources?|refs?\.?)?\s*(\d{1,3}(?:\s*(?:,|;|and|–|-)\s*\d{1,3})+)\s*\]", re.I
)
_LABELLED = re.compile(r"\[\s*(?:passage|source|ref\.?)\s*(\d{1,3})\s*\]", re.I)
_GAP = re.compile(
    r"^(?:however,?\s+)?the (?:sources|passages|documents|reviews)(?: in the library)?\s+(?:do|did)"
    r" not\b",
    re.I,
)
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|\*\*[^*]+\*\*:?\s*$)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__")
_NEGATIVE = re.compile(
    r"\b(not|no|never|none|neither|nor|nothing|cannot|can't|didn't|doesn't|don't|wasn't|weren't|"
    r"isn't|aren't|without|ruled out|unfounded|dismissed|rejected|absent|lack(?:ed|ing)?)\b",
    re.I,
)


@dataclass(frozen=True)
class Checked:
    """The model's text after checking: what survived, its citations, and what was removed."""

    text: str
    citations: tuple[Citation, ...]
    problems: tuple[str, ...]
    kept_sentences: int
    dropped_sentences: int


def normalise_markers(text: str) -> str:
    """``[1, 2]``, ``[1-3]``, ``[Passage 2]`` → ``[1][2]``, ``[1][2][3]``, ``[2]``."""

    def expand(m: re.Match[str]) -> str:
        out: list[int] = []
        for part in re.split(r"\s*(?:,|;|and)\s*", m.group(1)):
            ends = [int(x) for x in re.split(r"\s*[–-]\s*", part) if x.strip()]
            if len(ends) == 2 and 0 < ends[1] - ends[0] < 10:
                out.extend(range(ends[0], ends[1] + 1))
            else:
                out.extend(ends)
        return "".join(f"[{n}]" for n in out)

    return _LABELLED.sub(r"[\1]", _GROUPED.sub(expand, text))


class _Support:
    """Keyword weights over the passages, and each passage's quotable, non-instruction sentences."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = passages
        self.sentences: list[list[str]] = []
        self.tokens: list[set[str]] = []
        for p in passages:
            quotable = [s.text for s in passage_sentences(p.chunk.text)]
            if not quotable:
                quotable = [" ".join(p.chunk.text.split())]
            quotable = [s for s in quotable if not instruction_like(s)]
            self.sentences.append(quotable)
            self.tokens.append({t for s in quotable for t in tokenize(s)})
        n = len(passages)
        self.df: dict[str, int] = {}
        for toks in self.tokens:
            for t in toks:
                self.df[t] = self.df.get(t, 0) + 1
        self.n = n

    def weight(self, token: str) -> float:
        df = self.df.get(token, 0)
        return 1.0 if df == 0 else 1.0 + math.log((self.n + 1) / (df + 1))

    def coverage(self, words: Sequence[str], have: set[str]) -> float:
        total = sum(self.weight(t) for t in words)
        return sum(self.weight(t) for t in words if t in have) / total if total else 0.0

    def quote(self, i: int, body: str, quoted: Sequence[str]) -> str | None:
        """The passage sentence that best supports ``body``, or None if the passage does not."""
        words = list(dict.fromkeys(tokenize(body)))
        if not words or self.coverage(words, self.tokens[i]) < MIN_SUPPORT:
            return None
        candidates = self.sentences[i]
        if _NEGATIVE.search(body):  # a negative claim needs one negative sentence that supports it
            candidates = [
                s
                for s in candidates
                if _NEGATIVE.search(s) and self.coverage(words, set(tokenize(s))) >= MIN_SUPPORT
            ]
        for q in quoted:  # a sentence holding the quoted words wins
            holding = [
                s
                for s in candidates
                if plain_punctuation(q).lower() in plain_punctuation(s).lower()
            ]
            if holding:
                return holding[0]
        scored = [(self.coverage(words, set(tokenize(s))), s) for s in candidates]
        scored = [x for x in scored if x[0] > 0]
        return max(scored, key=lambda x: x[0])[1] if scored else None


# Straight single quotes double as apostrophes: a span counts as quoted only when the quote marks
# stand outside words and it has at least three words ('likely to have been…', not the family's).
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'([^'\n]+?)'(?![\w'])")


def quoted_spans(body: str) -> list[str]:
    """Spans the model put in quotation marks: "double", “curly”, ‘curly single’, 'single'."""
    spans = [m.group(1) or m.group(2) for m in QUOTED.finditer(body)]
    spans += [m.group(1) for m in _SINGLE_QUOTED.finditer(body) if len(m.group(1).split()) >= 3]
    return spans


def _quote_found(quote: str, passage: Passage) -> bool:
    needle = plain_punctuation(quote).strip(" .,;:").lower()
    titles = {passage.document.title, passage.document.extra.get("about_title", "")}
    in_title = len(needle) >= 8 and any(needle in plain_punctuation(t).lower() for t in titles if t)
    return bool(needle) and (needle in plain_punctuation(passage.chunk.text).lower() or in_title)


def _finish(body: str, numbers: Sequence[int]) -> str:
    body = body.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else "."
    core = body[:-1].rstrip() if body and body[-1] in ".!?" else body
    return f"{core} {''.join(f'[{n}]' for n in numbers)}{end}"


def check_model_text(
    raw: str,
    passages: Sequence[Passage],
    pages: PageLookup | None = None,
    *,
    max_sentences: int | None = None,
) -> Checked:
    """Check the model's text against the passages it was given (numbered 1..len(passages)).
    At most ``max_sentences`` checked sentences are kept (the prompt asks for no more)."""
    allowed = allowed_url_set(p.document.url for p in passages)
    text = normalise_markers(raw)
    support = _Support(passages)
    numbering: dict[tuple[str, str], Citation] = {}
    paragraphs: list[list[str]] = []
    problems: list[str] = []
    kept = dropped = 0
    last_para_end = 0
    for span in sentence_spans(text):
        if max_sentences is not None and kept >= max_sentences:
            problems.append("answer cut to the sentence limit")
            break
        if "\n\n" in text[last_para_end : span.start] or not paragraphs:
            paragraphs.append([])
        last_para_end = span.end
        if _HEADING.match(span.text):  # the prompt asks for none; a heading is dropped quietly
            continue
        if remove_links(span.text, allowed)[1]:  # the prompt forbids links: a sentence with one
            dropped += 1  # is not trusted, and would read badly with the link cut out
            problems.append("sentence with a link or image")
            continue
        sentence, why = _check_sentence(span.text, passages, support, numbering, pages)
        if sentence is None:
            dropped += 1
            problems.append(why)
            continue
        if not sentence:
            continue
        kept += 1
        paragraphs[-1].append(sentence)
    body = "\n\n".join(" ".join(p) for p in paragraphs if p)
    cited = tuple(sorted(numbering.values(), key=lambda c: c.n))
    verdict = check_output(body, cited, passages)
    if verdict.text != body:
        dropped += len(sentence_spans(body)) - len(sentence_spans(verdict.text))
    final_text, final_citations = renumber(verdict.text, verdict.citations)
    return Checked(
        text=final_text,
        citations=tuple(final_citations),
        problems=tuple(problems) + verdict.problems,
        kept_sentences=len(sentence_spans(final_text)),
        dropped_sentences=dropped,
    )


def _check_sentence(
    sentence: str,
    passages: Sequence[Passage],
    support: _Support,
    numbering: dict[tuple[str, str], Citation],
    pages: PageLookup | None,
) -> tuple[str | None, str]:
    wanted = [n for n in markers(sentence) if 1 <= n <= len(passages)]
    body = _EMPHASIS.sub("", _LIST_MARKER.sub("", without_markers(sentence), count=1))
    if not body.strip(" .,;:-*#"):
        return None, "empty sentence"
    quoted = quoted_spans(body)
    for q in quoted:
        holders = [i + 1 for i, p in enumerate(passages) if _quote_found(q, p)]
        if not holders:
            return None, "quoted words not found in any passage"
        if not any(n in holders for n in wanted):
            wanted.append(holders[0])
    if not wanted:
        if _GAP.match(body) and not quoted:
            return body, ""
        return None, "sentence without a valid citation"
    numbers: list[int] = []
    for n in wanted:
        quote = support.quote(n - 1, body, quoted)
        if quote is None:
            continue
        passage = passages[n - 1]
        key = (passage.chunk.chunk_id, quote)
        if key not in numbering:
            doc_pages = pages(passage.chunk.doc_id) if pages else ()
            numbering[key] = cite(len(numbering) + 1, passage, quote, doc_pages)
        if numbering[key].n not in numbers:
            numbers.append(numbering[key].n)
    if not numbers:
        return None, "sentence not supported by the passages it cites"
    return _finish(body, numbers), ""
