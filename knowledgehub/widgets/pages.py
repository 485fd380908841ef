"""Which pages are public, and what a widget of each looks like.

One place decides, for a path on this site, whether an anonymous visitor may see the object the
page shows and, if so, its title, description, author and the widget that embeds it. The oEmbed
provider and the Open Graph / Twitter card metadata both read it, so a page gets a discovery
link exactly when ``/oembed`` answers for it.

Every read is made as an anonymous visitor (``AnonymousUser()``), whoever is asking: what is
embedded or shared travels further than the person who shared it. A page is found by its route
(``resolve``), so list pages and forms cost no query at all, and a content page costs one query
(the Item with this kind and url, through ``visible_to``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django.urls import Resolver404, resolve, reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

#: Communities whose latest items may be embedded: listed, and not invitation-only.
PUBLIC_COMMUNITY_VISIBILITIES = (Visibility.OPEN, Visibility.RESTRICTED)

#: Default iframe sizes (width, height) per widget kind, in CSS pixels.
SIZES: dict[str, tuple[int, int]] = {
    "item": (600, 240),
    "community": (600, 420),
    "trending": (600, 420),
    "metric": (640, 720),
    "metric_embed": (640, 720),
    "dataset": (640, 480),
}

#: The iframe sandbox: scripts (frame.js reports the height), same-origin (the frame keeps its
#: own origin, ours, which is never the embedding page's, so it cannot reach that page) and
#: pop-ups that escape the sandbox (links open the full page in a new tab).
SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"


def anonymous() -> AnonymousUser:
    return AnonymousUser()


@dataclass(frozen=True)
class PublicPage:
    """What may be said about a public page: for the metadata, oEmbed and the widget."""

    title: str
    description: str
    og_type: str  # "article" for items, "website" otherwise
    widget: str  # the widget's path on this site
    widget_kind: str  # a key of SIZES
    author_name: str = ""
    author_url: str = ""


def _summary(item: Item) -> str:
    return (item.summary or item.text or "")[:300]


def public_items() -> Any:
    """Items an anonymous visitor may see, each marked with whether its author's profile is
    public (in the same query)."""
    return (
        Item.objects.visible_to(anonymous())
        .select_related("author", "community")
        .annotate(
            author_public=Exists(
                User.objects.visible_to(anonymous()).filter(pk=OuterRef("author_id"))
            )
        )
    )


def _author(item: Any) -> tuple[str, str]:
    from knowledgehub.knowledge.registry import unauthored_kinds

    authored = item.kind not in unauthored_kinds()
    if item.author_id and getattr(item, "author_public", False) and authored:
        author = item.author
        return (author.name or author.username), author.get_absolute_url()
    if item.source_name:
        return item.source_name, ""
    return "", ""


def item_page(item: Any) -> PublicPage:
    name, url = _author(item)
    return PublicPage(
        title=item.title,
        description=_summary(item),
        og_type="article",
        widget=reverse("widgets:item", args=[item.pk]),
        widget_kind="item",
        author_name=name,
        author_url=url,
    )


Loader = Callable[[str, dict[str, Any], dict[str, str]], PublicPage | None]


def _item_loader(kind: str) -> Loader:
    def load(path: str, kwargs: dict[str, Any], query: dict[str, str]) -> PublicPage | None:
        item = public_items().filter(kind=kind, url=path).first()
        return item_page(item) if item is not None else None

    return load


def public_community(slug: str) -> Community | None:
    return (
        Community.objects.visible_to(anonymous())
        .filter(slug=slug, visibility__in=PUBLIC_COMMUNITY_VISIBILITIES)
        .first()
    )


def _community(path: str, kwargs: dict[str, Any], query: dict[str, str]) -> PublicPage | None:
    community = public_community(str(kwargs.get("slug", "")))
    if community is None:
        return None
    return PublicPage(
        title=community.name,
        description=(community.description or "")[:300],
        og_type="website",
        widget=reverse("widgets:community_latest", args=[community.slug]),
        widget_kind="community",
    )


def _dataset(path: str, kwargs: dict[str, Any], query: dict[str, str]) -> PublicPage | None:
    # An approved dataset has an Item; the dataset page follows that Item's visibility.
    item = public_items().filter(kind="dataset", url=path).first()
    if item is None:
        return None
    page = item_page(item)
    return PublicPage(
        title=page.title,
        description=page.description,
        og_type="article",
        widget=reverse("widgets:dataset_preview", args=[kwargs["slug"]]),
        widget_kind="dataset",
        author_name=page.author_name,
        author_url=page.author_url,
    )


def _metric(path: str, kwargs: dict[str, Any], query: dict[str, str]) -> PublicPage | None:
    """A metric page: the council widget when the page names a council (``?council=``),
    otherwise the metric's own chart widget. Either shows public figures only."""
    from knowledgehub.benchmarks.visibility import council_by_code

    item = public_items().filter(kind="metric", url=path).first()
    if item is None:
        return None
    identifier = str(kwargs["identifier"])
    council = council_by_code(query["council"]) if query.get("council") else None
    if council is not None:
        widget = reverse("widgets:metric", args=[identifier, council.code])
        kind = "metric"
    else:
        widget = reverse("benchmarks:embed", args=[identifier])
        kind = "metric_embed"
    extra = {k: query[k] for k in ("kind", "group", "period") if query.get(k)}
    if extra:
        widget += "?" + urlencode(extra)
    return PublicPage(
        title=item.title,
        description=_summary(item),
        og_type="article",
        widget=widget,
        widget_kind=kind,
        author_name=item.source_name,
    )


#: View name (namespace:name) -> how to find that page's public object.
VIEWS: dict[str, Loader] = {
    "communities:detail": _community,
    "datasets:detail": _dataset,
    "benchmarks:metric": _metric,
    "blogs:community_detail": _item_loader("blog_post"),
    "blogs:person_detail": _item_loader("blog_post"),
    "wiki:detail": _item_loader("wiki_page"),
    "forums:thread": _item_loader("forum_thread"),
    "library:detail": _item_loader("library_document"),
    "events:detail": _item_loader("event"),
    "offers:detail": _item_loader("offer_ask"),
    "aggregator:item": _item_loader("feed_item"),
}


def public_page(
    path: str, query: dict[str, str] | None = None, *, any_item: bool = False
) -> PublicPage | None:
    """The public page at ``path`` (a path on this site), or None when it is not one an anonymous
    visitor may see. ``any_item``: also look for an Item of any kind whose url is this path
    (for pages of kinds not in VIEWS; one unindexed query, so oEmbed only)."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    loader = VIEWS.get(match.view_name)
    if loader is not None:
        return loader(path, match.kwargs, query or {})
    if any_item and match.kwargs:
        item = public_items().filter(url=path).first()
        if item is not None:
            return item_page(item)
    return None
