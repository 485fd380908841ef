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
        components = schema.get("components", {})
        components.get("securitySchemes", {}).pop("AnonymousAccess", None)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "security" not in operation:
                    continue
                security = operation["security"]
                if any("AnonymousAccess" in entry for entry in security):
                    operation["security"] = [
                        entry for entry in security if "AnonymousAccess" not in entry
                    ] + [{}]
        return schema


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
