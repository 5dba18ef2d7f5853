"""The hand-written OpenAPI 3.1 description of the JSON API (tests check it covers every route).

Path parameter ``slug`` holds '/' (``linkedin/privacy-policy``): send it as is or
percent-encoded (``linkedin%2Fprivacy-policy``); both route to the same document.
"""

from __future__ import annotations

from typing import Any

from web.queries import SEVERITIES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str, schema: dict[str, Any], desc: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "description": desc, "schema": schema}


def _ok(schema: str, desc: str) -> dict[str, Any]:
    return {"200": {"description": desc, "content": {"application/json": {"schema": _ref(schema)}}},
            "400": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"}}


def _get(op_id: str, summary: str, schema: str, params: list[str] | None = None) -> dict[str, Any]:
    return {"get": {"operationId": op_id, "summary": summary,
                    "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in params or []],
                    "responses": _ok(schema, summary)}}


FILTERS = ["page", "per_page", "label", "severity", "since", "until", "material"]
_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_DT = {"type": "string", "format": "date-time"}
_NDT = {"type": ["string", "null"], "format": "date-time"}
_INT = {"type": "integer"}
_NINT = {"type": ["integer", "null"]}
_LINKS = {"type": "object", "additionalProperties": {"type": "string"}}
#: Where a version's text came from (store.models.Version.origin); only crawl versions alert.
_ORIGIN = {"enum": ["crawl", "backfill", "import"]}
_LABELS = {"type": "array", "items": _STR}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props)}


def _page(item: str) -> dict[str, Any]:
    return _obj({"items": {"type": "array", "items": _ref(item)}, "page": _INT,
                 "per_page": _INT, "total": _INT, "pages": _INT})


SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _STR, "detail": _STR}),
    "Document": _obj({"slug": _STR, "name": _STR, "platform": _STR, "url": _STR,
                      "region": _NSTR, "language": _NSTR, "links": _LINKS}),
    "DocumentStatus": {"allOf": [_ref("Document"), _obj({
        "versions": _INT, "latest_version_id": _NINT, "latest_fetched_at": _NDT,
        "open_incidents": _INT,
        "last_check": {"oneOf": [{"type": "null"}, _obj({"at": _DT, "outcome": _STR, "detail": _STR})]},
        "latest_material_change": {"oneOf": [{"type": "null"}, _ref("ChangeSummary")]}})]},
    "DocumentList": _obj({"items": {"type": "array", "items": _ref("DocumentStatus")}, "total": _INT}),
    "VersionSummary": _obj({"id": _INT, "fetched_at": _DT, "previous_id": _NINT,
                            "technical": {"type": "boolean"}, "chars": _INT, "origin": _ORIGIN,
                            "change": {"oneOf": [{"type": "null"}, _obj({
                                "id": _INT, "material": {"type": "boolean"},
                                "severity": {"enum": list(SEVERITIES)}, "labels": _LABELS})]},
                            "links": _LINKS}),
    "VersionPage": _page("VersionSummary"),
    "Version": _obj({"id": _INT, "document": _STR, "fetched_at": _DT, "previous_id": _NINT,
                     "technical": {"type": "boolean"}, "sha256": _STR, "extractor_version": _STR,
                     "chars": _INT, "text": _STR, "origin": _ORIGIN,
                     "archive_url": _NSTR,
                     "source": {"oneOf": [{"type": "null"}, _obj({
                         "url": _STR, "status": _NINT, "fetched_at": _DT, "body_size": _INT,
                         "body_sha256": _STR})]},
                     "links": _LINKS},
                    required=["id", "document", "fetched_at", "previous_id", "technical",
                              "sha256", "chars", "origin", "archive_url", "source", "links"]),
    "Hunk": _obj({"section": _STR, "kind": {"enum": ["added", "removed", "modified", "moved"]},
                  "old": _STR, "new": _STR, "labels": _LABELS,
                  "evidence": {"type": "object", "additionalProperties": _LABELS},
                  "entities": {"type": "object", "additionalProperties": _LABELS},
                  "material": {"type": "boolean"}, "severity": _STR, "note": _STR,
                  "from_section": {"type": "string", "description": "where a moved block came from"},
                  "edits": {"type": "array", "description": "the unit as word-level operations",
                            "items": {"type": "array", "prefixItems": [{"enum": ["=", "-", "+"]}, _STR],
                                      "minItems": 2, "maxItems": 2}}},
                 required=["section", "kind", "old", "new", "labels", "evidence", "material"]),
    "ChangeResult": _obj({"material": {"type": "boolean"}, "labels": _LABELS,
                          "severity": {"enum": list(SEVERITIES)}, "severity_reason": _STR,
                          "changes": {"type": "array", "items": _ref("Hunk")},
                          "entities": {"type": "object", "additionalProperties": _LABELS},
                          "reading": _ref("Reading")},
                         required=["material", "labels", "severity", "changes"]),
    "ReadingUnit": _obj({"section": _STR, "changes": {"type": "array", "items": _INT,
                                                      "description": "indices into changes"},
                         "labels": _LABELS, "severity": {"enum": list(SEVERITIES)},
                         "material": {"type": "boolean"}}),
    "Reading": _obj({"open": {"type": "array", "items": _ref("ReadingUnit"),
                              "description": "units shown open, labelled first, most severe first"},
                     "minor": {"type": "array", "items": _ref("ReadingUnit"),
                               "description": "unlabelled low-severity units, folded, document order"},
                     "noise": {"type": "array", "items": _ref("ReadingUnit"),
                               "description": "changes without meaning, one unit each"},
                     "minor_summary": {"type": "string",
                                       "description": 'e.g. "27 minor edits in sections Introduction, 1. Data We Collect, ..."'}}),
    "Diff": _obj({"document": _STR, "old_version_id": _INT, "new_version_id": _INT,
                  "old_fetched_at": _DT, "new_fetched_at": _DT, "change_id": _NINT,
                  "stored": {"type": "boolean"}, "classifier_version": _STR,
                  "result": _ref("ChangeResult"), "links": _LINKS}),
    "ChangeSummary": _obj({"id": _INT, "document": _STR, "old_version_id": _INT,
                           "new_version_id": _INT, "fetched_at": _DT, "material": {"type": "boolean"},
                           "severity": {"enum": list(SEVERITIES)}, "labels": _LABELS,
                           "severity_reason": _STR, "classifier_version": _STR, "links": _LINKS}),
    "Change": {"allOf": [_ref("ChangeSummary"), _obj({"result": _ref("ChangeResult")})]},
    "ChangePage": _page("ChangeSummary"),
}

PARAMETERS: dict[str, Any] = {
    "slug": _param("slug", "path", _STR, "Document slug, e.g. linkedin/privacy-policy (may hold '/' and '@')."),
    "version_id": _param("version_id", "path", _INT, "Version id."),
    "old_id": _param("old_id", "path", _INT, "Id of the older version."),
    "new_id": _param("new_id", "path", _INT, "Id of the newer version."),
    "change_id": _param("change_id", "path", _INT, "Change id."),
    "page": _param("page", "query", {"type": "integer", "minimum": 1, "default": 1}, "Page number."),
    "per_page": _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 200,
                                             "default": 50}, "Items per page."),
    "label": _param("label", "query", _STR, "Only changes with this label, e.g. ai_training."),
    "severity": _param("severity", "query", {"enum": list(SEVERITIES)}, "Only changes at least this severe."),
    "since": _param("since", "query", {"type": "string", "format": "date"}, "Fetched on or after (ISO date)."),
    "until": _param("until", "query", {"type": "string", "format": "date"}, "Fetched on or before (ISO date, inclusive)."),
    "material": _param("material", "query", {"type": "boolean"}, "Only material changes."),
    "document": _param("document", "query", _STR, "Only this document (slug)."),
    "text": _param("text", "query", {"type": "boolean", "default": True}, "Include the text."),
}

PATHS: dict[str, Any] = {
    "/api/openapi.json": {"get": {"operationId": "openapi", "summary": "This document.",
                                  "responses": {"200": {"description": "OpenAPI 3.1 document",
                                                        "content": {"application/json": {}}}}}},
    "/api/documents": _get("listDocuments", "Every document with its status.", "DocumentList"),
    "/api/d/{slug}": _get("getDocument", "One document.", "Document", ["slug"]),
    "/api/d/{slug}/versions": _get("listVersions", "A page of a document's versions, newest first.",
                                   "VersionPage", ["slug", *FILTERS]),
    "/api/d/{slug}/versions/{version_id}": _get("getVersion", "One version with its text.",
                                                "Version", ["slug", "version_id", "text"]),
    "/api/d/{slug}/diff/{old_id}..{new_id}": _get("getDiff", "The diff of any two versions.",
                                                  "Diff", ["slug", "old_id", "new_id"]),
    "/api/changes": _get("listChanges", "Changes between consecutive versions, newest first.",
                         "ChangePage", ["document", *FILTERS]),
    "/api/changes/{change_id}": _get("getChange", "One change with its hunks and evidence.",
                                     "Change", ["change_id"]),
}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the JSON API."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "PolicyWatch API", "version": "1",
                 "description": "Read-only access to documents, versions, diffs and changes. "
                                "When the server has a token: Authorization: Bearer <token>."},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "parameters": PARAMETERS,
                       "responses": {"Error": {"description": "An error",
                                               "content": {"application/json": {"schema": _ref("Error")}}}},
                       "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{}, {"token": []}],
    }
