"""The JSON API and its OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from store import Store
from tests.web.conftest import EU, SLUG, version_id


def get(client: FlaskClient, url: str, status: int = 200) -> dict[str, Any]:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.data[:300])
    assert resp.mimetype == "application/json"
    data: dict[str, Any] = resp.get_json()
    return data


def test_documents(client: FlaskClient) -> None:
    data = get(client, "/api/documents")
    slugs = [d["slug"] for d in data["items"]]
    assert SLUG in slugs and EU.id in slugs
    doc = next(d for d in data["items"] if d["slug"] == SLUG)
    assert doc["versions"] == 27 and doc["open_incidents"] == 1
    assert doc["latest_material_change"]["document"] == SLUG
    assert get(client, f"/api/d/{EU.id}")["region"] == "eu"


def test_versions_page_and_filters(client: FlaskClient, corpus_store: Store) -> None:
    page = get(client, f"/api/d/{SLUG}/versions?per_page=5&page=2")
    assert (page["total"], page["pages"], len(page["items"])) == (27, 6, 5)
    assert "text" not in page["items"][0]
    ai = get(client, f"/api/d/{SLUG}/versions?label=ai_training")
    assert [v["id"] for v in ai["items"]] == [version_id(corpus_store, SLUG, "2024-09-19")]
    assert ai["items"][0]["change"]["severity"] == "high"


def test_version_with_and_without_text(client: FlaskClient, corpus_store: Store) -> None:
    vid = version_id(corpus_store, SLUG, "2024-09-19")
    v = get(client, f"/api/d/{SLUG}/versions/{vid}")
    assert "train artificial intelligence" in v["text"]
    assert v["source"]["url"] == "https://www.linkedin.com/legal/privacy-policy"
    assert "text" not in get(client, f"/api/d/{SLUG}/versions/{vid}?text=0")


def test_diff_and_changes(client: FlaskClient, corpus_store: Store) -> None:
    new = version_id(corpus_store, SLUG, "2024-09-19")
    diff = get(client, f"/api/d/{SLUG}/diff/{new - 1}..{new}")
    assert diff["stored"] and "ai_training" in diff["result"]["labels"]
    hunk = next(h for h in diff["result"]["changes"] if "ai_training" in h["labels"])
    assert hunk["evidence"]["ai_training"] and hunk["section"]
    changes = get(client, "/api/changes?label=ai_training&document=" + SLUG)
    assert [c["new_version_id"] for c in changes["items"]] == [new]
    one = get(client, f"/api/changes/{diff['change_id']}")
    assert one["result"]["severity"] == "high"
    assert one["links"]["html"] == f"/d/{SLUG}/diff/{new - 1}..{new}"


def test_errors_are_json(client: FlaskClient) -> None:
    assert get(client, "/api/d/nope", 404)["error"] == "Not Found"
    assert "severity" in get(client, f"/api/d/{SLUG}/versions?severity=x", 400)["detail"]
    assert get(client, "/api/changes/999999", 404)["error"] == "Not Found"


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_document_is_valid_and_covers_every_route(app: Flask, client: FlaskClient) -> None:
    validate = pytest.importorskip("openapi_spec_validator").validate
    doc = get(client, "/api/openapi.json")
    validate(doc)
    routes = {_openapi_path(r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes == set(doc["paths"])
    for path, item in doc["paths"].items():
        assert set(item) == {"get"}, path
        params = set(re.findall(r"{([a-z_]+)}", path))
        declared = {p["$ref"].rsplit("/", 1)[1] for p in item["get"].get("parameters", [])}
        assert params <= declared, path
