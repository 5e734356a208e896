"""The ``specific`` coverage rule over the three real DfE PDFs (../shared/corpus/real).

On-topic questions asking for a number or a ranking the guidance does not give come back
``partial`` with a notice saying so (and still quote what the library holds); questions whose
number or ranking is in the guidance stay ``answered``. One ingest per module (1-2 minutes).
"""

from __future__ import annotations

import pytest

from assistant.pipeline import build_assistant
from assistant.prompts import core_message
from assistant.settings import Settings

pytestmark = pytest.mark.integration

NOT_GIVEN = {  # question -> canned notice expected
    "How many Black pupils were excluded from schools in England in 2024, according to Keeping "
    "children safe in education?": "partial_number",
    "What fine did the Information Commissioner's Office impose on a council for failing to share "
    "safeguarding information?": "partial_number",
    "Which ethnic group is most often the subject of child protection plans according to the "
    "children's social care national framework?": "partial_ranking",
    "How many children died in the cases the national framework reviewed?": "partial_number",
}
GIVEN = [  # the number or ranking asked for is in the guidance
    "How many golden rules for sharing information does the information sharing advice set out, "
    "and what is the first one?",
    "Which lawful basis is most likely to be appropriate for a public sector organisation sharing "
    "information to safeguard a child?",
    "Up to what age does the children's social care national framework apply to care leavers?",
    "What are the four outcomes of the Children's social care national framework?",
    "Which school and college staff should read at least Part one of Keeping children safe in "
    "education?",
    "What must the DSL do when a child is at risk of harm?",
]


@pytest.fixture(scope="module")
def assistant(real_pdfs, real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    from ingest.job import run_ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("real-pdfs-coverage"), _env_file=None)
    pdfs = sorted(real_pdfs.glob("*.pdf"))
    report = run_ingest(settings, pdfs, embedder=real_embedder)
    assert report.build_id, "real PDF ingest produced no build"
    return build_assistant(settings, embedder=real_embedder)


@pytest.mark.parametrize(("question", "key"), sorted(NOT_GIVEN.items()))
def test_a_number_or_ranking_not_in_the_guidance_is_partial(assistant, question, key) -> None:  # type: ignore[no-untyped-def]
    """Never answered: either partial, saying the number or ranking is not given and quoting
    what the library holds, or refused with the nearest material offered as related only."""
    answer = assistant.ask(question)
    assert answer.status in ("partial", "no_evidence"), answer.notices
    if answer.status == "partial":
        assert core_message(key) in answer.notices or answer.missing
        assert answer.citations  # what the library does hold is still quoted
    else:
        assert answer.lead == () and answer.related == bool(answer.citations)


@pytest.mark.parametrize("question", GIVEN)
def test_a_number_or_ranking_in_the_guidance_stays_answered(assistant, question) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(question)
    assert answer.status == "answered", answer.notices
