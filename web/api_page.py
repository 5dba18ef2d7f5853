"""The JSON API's reference as a readable HTML page, drawn from the same OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, render_template

from web.openapi import openapi_document

bp = Blueprint("api_page", __name__)


@dataclass
class Endpoint:
    method: str
    path: str
    summary: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    schema: str = ""


def _resolve(doc: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    ref = item.get("$ref", "")
    if not ref.startswith("#/"):
        return item
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return dict(node)


def endpoints(doc: dict[str, Any]) -> list[Endpoint]:
    """Every operation of an OpenAPI document, parameters resolved, in the document's order."""
    out = []
    for path, item in doc["paths"].items():
        shared = [_resolve(doc, p) for p in item.get("parameters", [])]
        for method, op in item.items():
            if method == "parameters":
                continue
            params = shared + [_resolve(doc, p) for p in op.get("parameters", [])]
            ok = op.get("responses", {}).get("200", {})
            ref = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
            out.append(Endpoint(method.upper(), path, op.get("summary", ""), params,
                                ref.rsplit("/", 1)[-1]))
    return out


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "oneOf" in schema:
        return " or ".join(_type(s) for s in schema["oneOf"])
    kind = schema.get("type", "any")
    kind = " or ".join(kind) if isinstance(kind, list) else str(kind)
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    return kind + (f" ({schema['format']})" if "format" in schema else "")


def schemas(doc: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Per component schema, its properties as (name, type)."""
    return {name: [(prop, _type(s)) for prop, s in schema.get("properties", {}).items()]
            for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items())}


@bp.get("/docs/api")
def api_reference() -> str:
    """The API's endpoints with their parameters, and a link to the OpenAPI JSON."""
    doc = openapi_document()
    return render_template("api.html", info=doc.get("info", {}), endpoints=endpoints(doc),
                           schemas=schemas(doc), type_of=_type)
