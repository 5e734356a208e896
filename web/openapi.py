"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``.

Response bodies are described from the types themselves: ``schema_for`` walks a frozen
dataclass's type hints (str, int, float, bool, None, Literal, tuples, mappings, nested dataclasses)
into JSON Schema, so a field added to ``Answer`` appears here without anyone editing this file.
The one type whose JSON is not its fields is ``Passage`` (its ``to_dict`` flattens the chunk and
document), so its shape is written out below; a test checks real responses against both.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import metadata
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from assistant.types import Answer, BuildInfo, Document, Filters, Turn
from web.forms import GENERATORS, REASON_KEYS

Schema = dict[str, Any]
REF = "#/components/schemas/"
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}

_TEXT: Schema = {"type": "string"}
_LABELS: Schema = {"type": "array", "items": _TEXT}
_INT_OR_NULL: Schema = {"type": ["integer", "null"]}
_FLOAT_OR_NULL: Schema = {"type": ["number", "null"]}
PASSAGE: Schema = {
    "type": "object",
    "description": "A chunk retrieved for a question, with its document's title, scores and rank.",
    "properties": {
        "rank": {"type": "integer"},
        "doc_id": _TEXT,
        "chunk_id": _TEXT,
        "title": _TEXT,
        "score": {"type": "number"},
        "dense_score": _FLOAT_OR_NULL,
        "keyword_score": _FLOAT_OR_NULL,
        "page_start": {**_TEXT, "description": "printed page label"},
        "page_end": _TEXT,
        "page_index_start": {"type": "integer", "description": "physical page, 1-based"},
        "page_index_end": {"type": "integer"},
        "section": _LABELS,
        "themes": _LABELS,
        "text": _TEXT,
    },
}
PASSAGE["required"] = list(PASSAGE["properties"])
PASSAGE["additionalProperties"] = False
WRITTEN_OUT: dict[str, Schema] = {"Passage": PASSAGE}


def schema_for(tp: Any, components: dict[str, Schema]) -> Schema:
    """JSON Schema for a type hint; dataclasses go into ``components`` and are referenced."""
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if tp is type(None):
        return {"type": "null"}
    if tp is Any:
        return {}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _component(tp, components)
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        return {"anyOf": [schema_for(a, components) for a in args]}
    if origin in (tuple, list) or origin is Sequence:
        return {"type": "array", "items": schema_for(args[0], components) if args else {}}
    if origin in (dict, Mapping):
        value = schema_for(args[1], components) if len(args) == 2 else {}
        return {"type": "object", "additionalProperties": value}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _component(cls: type, components: dict[str, Schema]) -> Schema:
    name = cls.__name__
    if name not in components:
        if name in WRITTEN_OUT:
            components[name] = WRITTEN_OUT[name]
        else:
            components[name] = {}  # placeholder: a type may refer to itself
            components[name] = dataclass_schema(cls, components)
    return {"$ref": REF + name}


def dataclass_schema(cls: type, components: dict[str, Schema]) -> Schema:
    """An object with every field required (``to_dict`` always writes every field)."""
    hints = get_type_hints(cls)
    fields = [f.name for f in dataclasses.fields(cls)]
    schema: Schema = {
        "type": "object",
        "properties": {name: schema_for(hints[name], components) for name in fields},
        "required": fields,
        "additionalProperties": False,
    }
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    if doc:
        schema["description"] = " ".join(doc.split())
    return schema


def _without(schema: Schema, *names: str) -> Schema:
    return {
        **schema,
        "properties": {k: v for k, v in schema["properties"].items() if k not in names},
        "required": [k for k in schema["required"] if k not in names],
    }


def _components() -> dict[str, Schema]:
    """Every schema the paths refer to, the response types generated from the dataclasses."""
    out: dict[str, Schema] = {}
    for cls in (Answer, BuildInfo, Document, Filters, Turn):
        _component(cls, out)
    out["PublicDocument"] = _without(out["Document"], "path")  # the server's file path is withheld
    out["AskResponse"] = {
        **out["Answer"],
        "description": "The Answer, with the conversation it was stored in when one was named.",
        "properties": {**out["Answer"]["properties"], "conversation_id": _TEXT, "turn_id": _TEXT},
    }
    out["AskRequest"] = _ask_request()
    out["FeedbackRequest"] = _feedback_request()
    out["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": _TEXT,
            "status": {"type": "integer"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": _TEXT, "message": _TEXT},
                },
            },
        },
    }
    return out


def _text_or_list(description: str) -> Schema:
    return {"anyOf": [_TEXT, _LABELS], "description": description}


def _ask_request() -> Schema:
    filters = {
        "themes": _text_or_list("theme ids (also `theme`)"),
        "doc_types": _text_or_list("document types (also `doc_type`)"),
        "areas": _text_or_list("areas (also `area`)"),
        "doc_ids": _text_or_list("document ids (also `doc_id`)"),
        "year_from": {"type": ["integer", "string"]},
        "year_to": {"type": ["integer", "string"]},
    }
    return {
        "type": "object",
        "required": ["question"],
        "properties": {
            "question": {**_TEXT, "minLength": 1},
            "history": {
                "type": "array",
                "items": {"$ref": REF + "Turn"},
                "description": "earlier turns, oldest first",
            },
            "conversation_id": _TEXT,
            "generator": {"enum": list(GENERATORS)},
            "filters": {"type": "object", "properties": filters},
            **filters,
        },
    }


def _feedback_request() -> Schema:
    return {
        "type": "object",
        "required": ["turn_id", "rating"],
        "properties": {
            "turn_id": _TEXT,
            "target": {"enum": ["answer", "source"], "default": "answer"},
            "rating": {
                "enum": ["helpful", "not_helpful", "relevant", "not_relevant"],
                "description": "helpful/not_helpful for an answer, relevant/not_relevant for a source",
            },
            "reasons": {"type": "array", "items": {"enum": list(REASON_KEYS)}},
            "comment": _TEXT,
            "citation_n": {"type": "integer", "description": "for target=source"},
        },
    }


def _json(ref: str, description: str) -> Schema:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF + ref}}},
    }


def _paths() -> dict[str, Schema]:
    bad = _json("Error", "The request was not valid; `errors` names each field.")
    return {
        "/api/ask": {
            "post": {
                "summary": "Ask a question; get a cited answer",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF + "AskRequest"}}},
                },
                "responses": {
                    "200": _json("AskResponse", "The answer (always, even a refusal)."),
                    "400": bad,
                    "415": _json("Error", "The body was not JSON."),
                    "429": _json("Error", "Too many questions in a short time."),
                    "503": _json("Error", "No library is served yet, or the server is busy."),
                },
            }
        },
        "/api/ask/stream": {
            "post": {
                "summary": "Ask a question; the answer as server-sent events",
                "description": "`token` events carry text fragments, then exactly one `answer` "
                "event carries the AskResponse. Needs the page's session and an X-CSRFToken.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF + "AskRequest"}}},
                },
                "responses": {
                    "200": {
                        "description": "An event stream.",
                        "content": {"text/event-stream": {"schema": _TEXT}},
                    },
                    "400": bad,
                },
            }
        },
        "/api/search": {
            "get": {
                "summary": "Passages for a query (no answer)",
                "parameters": [
                    _query("q", _TEXT, required=True),
                    _query("k", {"type": "integer", "minimum": 1, "maximum": 50}),
                    *(_query(n, _TEXT) for n in ("theme", "doc_type", "area", "doc_id")),
                    _query("year_from", {"type": "integer"}),
                    _query("year_to", {"type": "integer"}),
                ],
                "responses": {
                    "200": {
                        "description": "The filters applied and the passages found, best first.",
                        "content": {"application/json": {"schema": _search_response()}},
                    },
                    "400": bad,
                },
            }
        },
        "/api/documents": {
            "get": {
                "summary": "The served build and its documents",
                "responses": {
                    "200": {
                        "description": "Build information and every document's metadata.",
                        "content": {"application/json": {"schema": _documents_response()}},
                    }
                },
            }
        },
        "/api/feedback": {
            "post": {
                "summary": "Rate an answer or one of its sources",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF + "FeedbackRequest"}}},
                },
                "responses": {
                    "201": {
                        "description": "Stored.",
                        "content": {"application/json": {"schema": _feedback_response()}},
                    },
                    "400": bad,
                    "404": _json("Error", "No such answer in this browser's conversations."),
                },
            }
        },
        "/api/feedback/export": {
            "get": {
                "summary": "Every feedback entry, for evaluators",
                "security": [{"bearer": []}],
                "parameters": [_query("format", {"enum": ["csv", "jsonl"], "default": "csv"})],
                "responses": {
                    "200": {
                        "description": "The feedback as a download.",
                        "content": {"text/csv": {"schema": _TEXT}, "application/x-ndjson": {}},
                    },
                    "400": bad,
                    "403": _json(
                        "Error",
                        "Export disabled (RLA_FEEDBACK_EXPORT_TOKEN unset) or a wrong token.",
                    ),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3.1 document."}},
            }
        },
    }


def _query(name: str, schema: Schema, *, required: bool = False) -> Schema:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _search_response() -> Schema:
    return {
        "type": "object",
        "required": ["filters", "passages"],
        "properties": {
            "filters": {"$ref": REF + "Filters"},
            "passages": {"type": "array", "items": {"$ref": REF + "Passage"}},
        },
    }


def _documents_response() -> Schema:
    return {
        "type": "object",
        "required": ["build", "documents"],
        "properties": {
            "build": {"anyOf": [{"$ref": REF + "BuildInfo"}, {"type": "null"}]},
            "documents": {"type": "array", "items": {"$ref": REF + "PublicDocument"}},
        },
    }


def _feedback_response() -> Schema:
    return {
        "type": "object",
        "required": ["ok", "id"],
        "properties": {"ok": {"type": "boolean"}, "id": {"type": "integer"}},
    }


def _version() -> str:
    try:
        return metadata.version("review-learning-assistant")
    except metadata.PackageNotFoundError:  # a source checkout that was never installed
        return "0.0.0"


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The whole description (built once per process; it depends only on the code)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Review Learning Assistant API",
            "version": _version(),
            "description": "Cited answers from published safeguarding-review learning. "
            "Question text is never logged.",
        },
        "paths": _paths(),
        "components": {
            "schemas": _components(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
