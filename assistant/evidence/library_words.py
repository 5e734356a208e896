"""What the library holds, word by word: its words and how often they occur, the acronyms it
defines, and whether a question's subjects occur in it at all (a subject that occurs nowhere
cannot be answered from the library, however similar some passage looks)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.build.index import Index
from assistant.text.acronyms import glossary
from assistant.text.question import (
    ACRONYMS,
    Question,
    Subject,
    compound_subjects,
    head_subjects,
)
from assistant.text.terms import LibraryTerms, stems
from assistant.types import Document

THIN = 3  # a subject found in this many chunks or fewer: the library's evidence on it is thin
THIN_SHARE = 0.05  # ... when that is also a small share of the library (not in a tiny one)
NAME_SLACK = 3  # other words allowed between a name's words said in another order
EVERYWHERE_SHARE = 0.25  # a topic word in this share of chunks is what the library is about
_JOINS = re.compile(r"\s(?:in|on|for|at|of)\s")  # prepositions that join two names into one run


class LibraryWords:
    """The words of one opened build, counted once (lazily) and looked up per question."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._terms: LibraryTerms | None = None
        self._glossary: dict[str, str] | None = None

    @property
    def terms(self) -> LibraryTerms:
        if self._terms is None:
            docs = {d.doc_id: d for d in self.index.documents}
            texts = [
                " ".join([c.text, *c.section, document_title(docs.get(c.doc_id))])
                for c in self.index.chunks
            ]
            self._terms = LibraryTerms.from_texts(texts)
        return self._terms

    @property
    def glossary(self) -> dict[str, str]:
        """Acronym -> long form: the library's own definitions, then the built-in list."""
        if self._glossary is None:
            self._glossary = glossary((c.text for c in self.index.chunks), ACRONYMS)
        return self._glossary

    def in_library(self, subject: Subject) -> bool:
        expansion = subject.expansion or self.glossary.get(subject.label.lower(), "")
        if expansion and all(self.terms.present(t) for t in stems(expansion)):
            return True
        present = self.terms.exactly_present if subject.name else self.terms.related_present
        if not all(present(t) or self._spelled_out(t) for t in subject.terms):
            return False
        if not subject.phrase or any(
            self._phrase_in_library(p) for p in _spelled(subject.phrase, self.glossary)
        ):
            return True
        if subject.name and self._words_together(subject.phrase):
            return True  # "Families Minister" where the library says "Minister for ... Families"
        # "Child C in Waltham Forest": two names joined by a preposition, each held on its own
        pieces = [p.strip() for p in _JOINS.split(subject.phrase)]
        return len(pieces) > 1 and all(
            p and (" " not in p or self._phrase_in_library(p)) for p in pieces
        )

    def absent(self, question: Question) -> tuple[Subject, ...]:
        """The question's subjects the library never mentions, with the noun the question is
        about when no subject names it."""
        heads = head_subjects(question.text, question.subjects)
        compounds = compound_subjects(question.text, (*question.subjects, *heads))
        candidates = (*question.subjects, *heads, *compounds)
        return tuple(s for s in candidates if not self.in_library(s))

    def _spelled_out(self, term: str) -> bool:
        """An acronym the library only spells out ("csa": "child sexual abuse")."""
        spelled = self.glossary.get(term)
        return spelled is not None and all(self.terms.present(t) for t in stems(spelled))

    def _words_together(self, phrase: str) -> bool:
        """Every word of a name's phrase within a few words of each other, in any order: a
        title said the other way round ("Minister for Children and Families")."""
        words = phrase.split()
        if len(words) < 2:
            return False
        span = len(words) + NAME_SLACK
        for chunk, _ in self.index.keyword_search(phrase, 50):
            found = re.findall(r"[a-z0-9]+", chunk.text.lower().replace("’", "'"))
            places = [[i for i, w in enumerate(found) if w == word] for word in words]
            if any(
                all(any(abs(i - first) < span for i in at) for at in places[1:])
                for first in places[0]
            ):
                return True
        return False

    def _phrase_in_library(self, phrase: str) -> bool:
        hits = self.index.keyword_search(phrase, 200)
        pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, phrase.split())) + r"\b")
        for chunk, _ in hits:
            document = self.index.document(chunk.doc_id)
            text = " ".join([chunk.text, *chunk.section, document_title(document)]).lower()
            if pattern.search(text.replace("’", "'")):
                return True
        return any(
            pattern.search(document_title(d).lower().replace("’", "'"))
            for d in self.index.documents
        )

    def thin(self, question: Question, absent: Sequence[Subject]) -> tuple[tuple[str, int], ...]:
        """Subjects the library mentions, but in THIN chunks or fewer."""
        out = []
        for subject in question.subjects:
            if subject in absent or not (subject.group or subject.name) or not subject.terms:
                continue  # thin coverage is judged for groups and names, not for any rare word
            slack = 0 if subject.name else 1
            count = min(self.terms.frequency(t, slack=slack) for t in subject.terms)
            if 0 < count <= THIN and count < THIN_SHARE * self.terms.n:
                # the library itself holds this name, so saying it repeats nothing private
                out.append((subject.label, count))
        return tuple(out)

    def everywhere(self, subject: Subject) -> bool:
        """A topic word or name in a large share of the library's chunks ("safeguarding", "the
        Panel"): what the whole library is about, so holding it says nothing about this
        question."""
        if subject.group or not subject.terms:
            return False  # a group is asked about for itself, however often the library names it
        n = max(self.terms.n, 1)
        return all(self.terms.frequency(t, slack=0) >= EVERYWHERE_SHARE * n for t in subject.terms)


def document_title(document: Document | None) -> str:
    """The words a document is known by: its title and its extra fields."""
    if document is None:
        return ""
    return " ".join([document.title, *document.extra.values()])


def _spelled(phrase: str, known: dict[str, str]) -> tuple[str, ...]:
    """A phrase, and the same with its known acronyms spelled out ("intrafamilial csa" ->
    "intrafamilial child sexual abuse")."""
    words = phrase.split()
    spelled = " ".join(known.get(w, w) for w in words)
    return (phrase, spelled) if spelled != phrase else (phrase,)
