"""Response headers for the API (``/api/``): a strong ETag on every successful GET, answered
with 304 when ``If-None-Match`` matches; the rate-limit headers; the next-page ``Link``; and
``Vary: Authorization`` with ``Cache-Control: private, no-cache`` so a shared cache never hands
one token's answer to another caller. The API sets no cookies."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = [t.strip() for t in header.split(",")]
    return etag in tags or f"W/{etag}" in tags


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        response = self.get_response(request)
        limits = getattr(request, "kh_ratelimit", None)
        if limits is not None:
            limit, remaining, reset = limits
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        link = getattr(request, "kh_link_next", None)
        if link:
            response["Link"] = f'<{link}>; rel="next"'
        patch_vary_headers(response, ["Authorization"])
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        for name in list(response.cookies):
            del response.cookies[name]
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.streaming
        ):
            etag = _etag(response.content)
            response["ETag"] = etag
            if _matches(request.META.get("HTTP_IF_NONE_MATCH", ""), etag):
                not_modified = HttpResponseNotModified()
                limits = [h for h in response.headers if h.startswith("RateLimit-")]
                for name in ("ETag", "Vary", "Cache-Control", "Link", *limits):
                    if response.has_header(name):
                        not_modified[name] = response[name]
                return not_modified
        return response
