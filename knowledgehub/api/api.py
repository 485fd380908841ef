"""The REST API, version 1 (django-ninja): ``/api/v1/``, its OpenAPI 3.1 document at
``/api/v1/openapi.json`` and interactive docs at ``/api/v1/docs`` (Swagger UI served from our own
static files, no CDN).

Each domain has a router module in ``routers/``; they are mounted here, in one place. Reading
endpoints take a token or nobody (anonymous = a visitor who is not signed in); writing endpoints
need a token with the right scope (``auth.require_scope``). Every read goes through the same
visibility rule as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from . import errors
from .auth import READ_AUTH


class KnowledgeHubAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Mark the bearer token optional where anonymous access is allowed (OpenAPI: an empty
        security requirement), instead of ninja's one entry per auth class."""
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {})
        components.get("securitySchemes", {}).pop("AnonymousAccess", None)
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if not isinstance(operation, dict):
                    continue
                security = operation.get("security", [])
                optional = any("AnonymousAccess" in entry for entry in security)
                if optional:
                    operation["security"] = [
                        entry for entry in security if "AnonymousAccess" not in entry
                    ] + [{}]
                # Every operation may answer with these problems (RFC 9457); say so, so the
                # contract is honest and clients know the shape of every error.
                responses = operation.setdefault("responses", {})
                for status, description in _problem_statuses(method, secured=bool(security)):
                    responses.setdefault(
                        str(status),
                        {
                            "description": description,
                            "content": {
                                "application/problem+json": {
                                    "schema": {"$ref": "#/components/schemas/Problem"}
                                }
                            },
                        },
                    )
        return schema


PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}


def _problem_statuses(method: str, *, secured: bool) -> list[tuple[int, str]]:
    statuses = [
        (400, "Bad request (an invalid cursor, sort or filter)"),
        (404, "Not found, or not visible to the caller"),
        (422, "Invalid input; errors names each field"),
        (429, "Too many requests; see Retry-After"),
    ]
    if secured:
        statuses += [
            (401, "The token is missing, unknown, expired or revoked"),
            (403, "The token lacks the scope, or the caller the right"),
        ]
    if method.lower() in ("post", "put", "patch", "delete"):
        statuses.append((409, "Conflict with the current state"))
    return statuses


api = KnowledgeHubAPI(
    title="Knowledge Hub API",
    version="1",
    description=(
        "Read and write what you can see on Knowledge Hub. Without a token you see what a visitor "
        "who is not signed in sees. Send `Authorization: Bearer <token>` with a personal access "
        "token (created at /developers/tokens/) or an OAuth 2.0 access token. Lists use cursor "
        "pagination; errors are RFC 9457 problem details. Guide: docs/api.md."
    ),
    urls_namespace="api-v1",
    auth=READ_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


class Health(Schema):
    status: str


@api.get("/health", response=Health, tags=["meta"], summary="A constant answer")
def health(request: HttpRequest) -> dict[str, str]:
    """Always ``{"status": "ok"}``: for monitoring, and the baseline of the API benchmark."""
    return {"status": "ok"}


def _mount() -> None:
    """Mount every router module that exists (each domain owns one)."""
    import importlib

    for name, prefix in ROUTERS:
        try:
            module = importlib.import_module(f"knowledgehub.api.routers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"knowledgehub.api.routers.{name}":
                raise
            continue
        api.add_router(prefix, module.router)


# (module in routers/, URL prefix under /api/v1/)
ROUTERS = [
    ("items", "/items"),
    ("search", "/search"),
    ("people", "/people"),
    ("organisations", "/organisations"),
    ("communities", "/communities"),
    ("feeds", "/feeds"),
    ("notifications", "/notifications"),
    ("themes", "/themes"),
    ("datasets", "/datasets"),
    ("benchmarks", "/benchmarks"),
    ("webhooks", "/webhooks"),
    ("tokens", "/tokens"),
]
_mount()
