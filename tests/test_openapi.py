"""The OpenAPI description: a valid OpenAPI 3.1 document, generated from the types, that real
responses of the API satisfy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.web_fakes import make_app
from web.openapi import dataclass_schema, openapi_document, schema_for


def validator(name: str) -> Draft202012Validator:
    """A validator for one component, resolving ``#/components/...`` within the document."""
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(schema)


def errors(name: str, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(instance)]


@pytest.fixture()
def client(build_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_app(build_dir, tmp_path / "db.sqlite3").test_client()


def test_the_description_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on an invalid document
    for path in ("/api/ask", "/api/search", "/api/documents", "/api/feedback/export"):
        assert path in document["paths"]


def test_it_is_served_at_api_openapi_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == openapi_document()


def test_the_answer_schema_is_the_answer_dataclass() -> None:
    from assistant.types import Answer, Citation

    schemas = openapi_document()["components"]["schemas"]
    for cls in (Answer, Citation):
        names = [f for f in cls.__dataclass_fields__]
        assert list(schemas[cls.__name__]["properties"]) == names
        assert schemas[cls.__name__]["required"] == names
    assert schemas["Citation"]["properties"]["year"] == {
        "anyOf": [{"type": "integer"}, {"type": "null"}]
    }
    assert "path" in schemas["Document"]["properties"]
    assert "path" not in schemas["PublicDocument"]["properties"]  # the API withholds it


def test_a_real_ask_response_validates_and_has_no_field_the_schema_lacks(client) -> None:  # type: ignore[no-untyped-def]
    body = client.post("/api/ask", json={"question": "What is adultification bias?"}).get_json()
    assert body["status"] == "answered" and body["citations"] and body["passages"]
    assert errors("AskResponse", body) == []
    assert errors("Answer", body) == []
    # the check can fail: a renamed field or a wrong type is caught
    broken = {**body, "citations": [{**body["citations"][0], "page_start": 3}]}
    assert errors("Answer", broken)
    assert errors("Answer", {**body, "surprise": 1})
    assert errors("Answer", {k: v for k, v in body.items() if k != "lead"})


def test_refusals_search_and_documents_validate(client) -> None:  # type: ignore[no-untyped-def]
    refused = client.post("/api/ask", json={"question": "What is the recipe for bread?"})
    assert errors("AskResponse", refused.get_json()) == []
    search = client.get("/api/search?q=adultification").get_json()
    assert search["passages"]
    document = openapi_document()
    schema = document["paths"]["/api/search"]["get"]["responses"]["200"]["content"]
    search_schema = {**schema["application/json"]["schema"], "components": document["components"]}
    assert list(Draft202012Validator(search_schema).iter_errors(search)) == []
    documents = client.get("/api/documents").get_json()
    assert documents["documents"]
    for row in documents["documents"]:
        assert errors("PublicDocument", row) == []
    assert errors("BuildInfo", documents["build"]) == []


def test_bad_requests_follow_the_error_schema(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/ask", json={"question": ""})
    assert response.status_code == 400
    assert errors("Error", response.get_json()) == []


@dataclass(frozen=True)
class _Inner:
    """An inner thing."""

    label: str


@dataclass(frozen=True)
class _Outer:
    """An outer thing.

    More detail that stays out of the description."""

    kind: Literal["a", "b"]
    count: int | None
    tags: tuple[str, ...] = ()
    inner: _Inner | None = None
    scores: Mapping[str, float] = field(default_factory=dict)


def test_the_generator_walks_type_hints() -> None:
    components: dict[str, Any] = {}
    schema = dataclass_schema(_Outer, components)
    assert schema["description"] == "An outer thing."
    assert schema["required"] == ["kind", "count", "tags", "inner", "scores"]
    assert schema["properties"] == {
        "kind": {"enum": ["a", "b"]},
        "count": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "inner": {"anyOf": [{"$ref": "#/components/schemas/_Inner"}, {"type": "null"}]},
        "scores": {"type": "object", "additionalProperties": {"type": "number"}},
    }
    assert components["_Inner"]["properties"] == {"label": {"type": "string"}}
    with pytest.raises(TypeError):
        schema_for(set[str], components)


@pytest.mark.integration
def test_a_real_assistant_answer_validates(demo_index, real_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.pipeline import build_assistant
    from web import create_app

    settings, _ = demo_index
    assistant = build_assistant(settings, embedder=real_embedder)
    app = create_app(
        settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}"}),
        assistant=assistant,
    )
    for question in ("How can adultification bias affect decisions?", "Who won the 1966 final?"):
        body = app.test_client().post("/api/ask", json={"question": question}).get_json()
        assert errors("AskResponse", body) == [], question
    assert body["status"] != "answered"  # the second is a refusal, and validates too
