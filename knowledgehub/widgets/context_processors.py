"""Open Graph / Twitter card metadata and oEmbed discovery links for public pages.

``social_meta`` is lazy: nothing is looked up unless a template reads it (base.html's head does,
through ``widgets/social_meta.html``). A page's own object is found through ``pages.public_page``
as an anonymous visitor sees it, so a restricted item's page gets the site's generic metadata and
no discovery link, whoever is signed in: shared links travel further than their sharer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import escape_uri_path
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import pages

DESCRIPTION_LENGTH = 300


@dataclass(frozen=True)
class SocialMeta:
    site_name: str
    title: str
    description: str
    url: str
    og_type: str
    oembed_href: str = ""
    oembed_title: str = ""


def _site_description() -> str:
    return _(
        "Knowledge Hub: where people in UK local government find each other, share what works "
        "and compare how their services perform."
    )


def _oembed_href(page_url: str) -> str:
    try:
        endpoint = reverse("oembed")
    except NoReverseMatch:  # the provider is not routed: no discovery
        return ""
    return settings.SITE_URL + endpoint + "?" + urlencode({"url": page_url, "format": "json"})


def build(request: HttpRequest) -> SocialMeta:
    url = settings.SITE_URL + escape_uri_path(request.path)
    site_name = str(settings.SITE_NAME)
    page = None
    if request.method in ("GET", "HEAD") and not request.path.startswith("/widgets/"):
        page = pages.public_page(request.path_info)
    if page is None:
        # Not a public page we recognise (or an error page): the site's own card, with the
        # site's address, never anything taken from the request.
        return SocialMeta(
            site_name, site_name, _site_description(), settings.SITE_URL + "/", "website"
        )
    description = " ".join(page.description.split())[:DESCRIPTION_LENGTH] or _site_description()
    return SocialMeta(
        site_name=site_name,
        title=page.title,
        description=description,
        url=url,
        og_type=page.og_type,
        oembed_href=_oembed_href(url),
        oembed_title=page.title,
    )


def social_meta(request: HttpRequest) -> dict[str, Any]:
    return {"social_meta": SimpleLazyObject(lambda: build(request))}
