"""Evidence selection: score units of evidence for one question, choose the few that answer it,
and decide from them whether the library answers (``answered``), answers in part (``partial``,
naming what is missing) or not at all (``no_evidence``).

1. **Subjects first.** The question's specific subjects (``assistant.text.question``) are looked
   up in the whole library (``LibraryTerms``: every chunk, title and heading). A subject that
   occurs nowhere cannot be answered from the library, however similar some passage looks.
   When every subject is absent, or the absent ones carry most of the question's weight, the
   answer is ``no_evidence`` (subject absent) and the nearest units are offered only as related
   material. When others are present, the answer is ``partial`` and names what is missing.
2. **Question-focused score** of each unit of the retrieved passages (``Unit``, made at ingest):
   ``W_DENSE * cosine(question, unit) + W_COVER * cover + W_KIND * kind``, where ``cover`` is
   the IDF-weighted share of the question's terms the unit holds (its document title and
   headings count at half weight) and ``kind`` is 1 when the unit holds the kind of answer asked
   for (a date, a number, a person or body, words attributed to the named person, a list).
   Context units (about the document itself) are never scored as evidence.
3. **Calibrated decision** on the best score, with thresholds per embedding model
   (``CALIBRATIONS``, fitted on the ``tune`` split only; see ADR 12).
4. **Concise choice**: the lead unit answers directly; further units must score within
   ``Calibration.relative`` of it, add something (not contained in, nor a near-duplicate of, a
   chosen unit), keep to ``MAX_PER_DOCUMENT`` per document and ``MAX_UNITS`` and the character
   budget in all. A list question whose list is too long for one unit (numbered paragraphs
   under a heading that names it, over several chunks) is led by each item's opening sentence
   (``long_lists``).

``document_support`` applies the same scores to every document of the library, for the
cross-review comparison and the silence map.
"""
