"""The machine-readable description of API v1 (OpenAPI 3.1)."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    "required": ["error", "message"],
}
USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "roles": {
            "type": "array",
            "items": {"type": "string", "enum": ["agent", "mentor", "editor", "hr", "admin"]},
        },
        "locale": {"type": "string", "enum": ["ru", "en"]},
        "department": {"type": ["string", "null"]},
        "position": {"type": ["string", "null"]},
    },
    "required": ["id", "email", "name", "roles", "locale", "department", "position"],
}

ARTICLE = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "kind": {"type": "string", "enum": ["article", "script", "template", "regulation"]},
        "lang": {"type": "string"},
        "status": {"type": "string"},
        "category": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "departments": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string", "format": "uri"},
        "html": {"type": "string", "description": "Sanitised HTML of the live revision"},
        "revision": {"type": "integer"},
        "updated_at": {"type": "string", "format": "date-time"},
        "verified_at": {"type": ["string", "null"], "format": "date-time"},
        "verified_by": {"type": ["string", "null"]},
        "needs_review": {"type": "boolean"},
    },
    "required": ["slug", "title", "kind", "url", "html", "revision"],
}

SEARCH_RESULTS = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer"},
        "did_you_mean": {"type": ["string", "null"]},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "kind": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                    "snippet_html": {
                        "type": "string",
                        "description": "Escaped text with <mark> around matches",
                    },
                    "score": {"type": "number"},
                },
                "required": ["slug", "title", "kind", "url", "snippet_html", "score"],
            },
        },
    },
    "required": ["query", "total", "did_you_mean", "results"],
}


LEARNING = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["course", "program"]},
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {
                        "type": "string",
                        "enum": ["assigned", "in_progress", "overdue", "done"],
                    },
                    "due_on": {"type": ["string", "null"], "format": "date"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
        }
    },
}


IMPORT_REPORT = {
    "type": "object",
    "description": "Counts of what the import did (or would do: dry_run), and one line "
    "saying so. Refused files answer 400 with every problem and write nothing.",
    "properties": {
        "rows": {"type": "integer"},
        "created": {"type": "integer"},
        "dry_run": {"type": "boolean"},
        "summary": {"type": "string"},
    },
    "required": ["rows", "created", "dry_run", "summary"],
    "additionalProperties": True,
}
IMPORT_PROBLEMS = {
    "description": "The file was refused, nothing was written; each problem names its row "
    "and column",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "error": {"type": "string"},
                    "problems": {"type": "array", "items": {"type": "string"}},
                },
            }
        }
    },
}


def _file_import(summary: str, operation: str, columns: str) -> dict[str, Any]:
    """A POST taking a CSV or XLSX file, all rows or none (HR and admins)."""
    return {
        "post": {
            "summary": summary,
            "description": f"Columns: {columns}. The file is the request body (text/csv or "
            "XLSX) or a multipart field `file`. HR and admins only.",
            "operationId": operation,
            "parameters": [
                {"name": "dry_run", "in": "query", "schema": {"type": "boolean"},
                 "description": "Check and count only; nothing is saved."},
                {"name": "filename", "in": "query", "schema": {"type": "string"},
                 "description": "The name problems quote (a raw body has none)."},
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    },
                },
            },
            "responses": {
                "200": {
                    "description": "Imported (or checked, with dry_run)",
                    "content": {"application/json": {"schema": IMPORT_REPORT}},
                },
                "400": IMPORT_PROBLEMS,
                "401": {"description": "No valid session or Bearer token"},
                "403": {"description": "Not HR or an admin"},
            },
        }
    }  # fmt: skip


def openapi_document() -> dict[str, Any]:
    """The API as OpenAPI 3.1; every path here is served by ``lms.api.views``."""
    unauthorized = {
        "description": "No valid session or Bearer token",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Agent LMS API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token created on the account page.",
                }
            },
            "schemas": {
                "Error": ERROR,
                "User": USER,
                "Article": ARTICLE,
                "SearchResults": SEARCH_RESULTS,
                "Learning": LEARNING,
            },
        },
        "paths": {
            "/me": {
                "get": {
                    "summary": "The user the token belongs to",
                    "operationId": "getMe",
                    "responses": {
                        "200": {
                            "description": "The signed-in user",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/User"}
                                }
                            },
                        },
                        "401": unauthorized,
                    },
                }
            },
            "/assignments": {
                "get": {
                    "summary": "The caller's assigned and started courses and programs",
                    "operationId": "getMyAssignments",
                    "responses": {
                        "200": {
                            "description": "Due dates first",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Learning"}
                                }
                            },
                        },
                        "401": unauthorized,
                    },
                }
            },
            "/articles/{slug}": {
                "get": {
                    "summary": "A knowledge-base article (live version, sanitised HTML)",
                    "operationId": "getArticle",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The article",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Article"}
                                }
                            },
                        },
                        "401": unauthorized,
                        "403": {"description": "The article is meant for another department"},
                        "404": {"description": "No such published article"},
                    },
                }
            },
            "/search": {
                "get": {
                    "summary": "Search the knowledge base (department visibility applies)",
                    "operationId": "search",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 50,
                                "default": 10,
                            },
                        },
                        {"name": "kind", "in": "query", "schema": {"type": "string"}},
                        {"name": "category", "in": "query", "schema": {"type": "string"}},
                        {"name": "tag", "in": "query", "schema": {"type": "string"}},
                        {"name": "department", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "Results, best first",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SearchResults"}
                                }
                            },
                        },
                        "400": {"description": "No query given"},
                        "401": unauthorized,
                    },
                }
            },
            "/kpi/values": _file_import(
                "Import per-agent KPI values",
                "importKpiValues",
                "email, period (YYYY-MM), metric, value",
            ),
            "/kpi/ratings": _file_import(
                "Import customer ratings",
                "importRatings",
                "email, rated_at, channel, quality (1-5), speed (1-5), ticket, comment",
            ),
            "/evaluations/{slug}": {
                "get": {
                    "summary": "Every figure of a Phillips evaluation's five levels",
                    "description": "The same JSON as `flask lms evaluation run SLUG --json`. "
                    "HR and admins only.",
                    "operationId": "getEvaluation",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {"description": "level1 ... level5, the definition, the period"},
                        "401": unauthorized,
                        "403": {"description": "Not HR or an admin"},
                        "404": {"description": "No such evaluation"},
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "getOpenApi",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 document"}},
                }
            },
        },
    }
