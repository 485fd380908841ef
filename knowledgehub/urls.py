from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve
from oauth2_provider import views as oauth_views

from knowledgehub.api import views as api_views
from knowledgehub.api.api import api
from knowledgehub.core import views as core_views
from knowledgehub.events import views as event_views
from knowledgehub.feeds import views as feed_views
from knowledgehub.knowledge import views as knowledge_views
from knowledgehub.search import views as search_views
from knowledgehub.widgets import views as widget_views

# OAuth 2.0 (django-oauth-toolkit): only the protocol endpoints. Apps are registered and
# authorisations revoked on our own pages under /developers/, which allow nothing but the
# authorization-code grant with PKCE.
oauth_urls = (
    [
        path("authorize/", oauth_views.AuthorizationView.as_view(), name="authorize"),
        path("token/", oauth_views.TokenView.as_view(), name="token"),
        path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
        path("introspect/", oauth_views.IntrospectTokenView.as_view(), name="introspect"),
    ],
    "oauth2_provider",
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("knowledgehub.core.urls")),
    path("accounts/", include("allauth.urls")),
    # Blogs: /blogs/new/, /communities/<slug>/blog/… and /people/<username>/blog/… (before the
    # people URLconf, whose /people/<username>/ would otherwise be tried first).
    path("", include("knowledgehub.blogs.urls")),
    path("people/", include("knowledgehub.people.urls")),
    path("organisations/", include("knowledgehub.organisations.urls")),
    path("feed.<str:fmt>", feed_views.public_feed, name="site_feed"),
    path("feeds/", include("knowledgehub.feeds.urls")),
    path("feeds/", include("knowledgehub.aggregator.urls")),
    path("", include("knowledgehub.discussions.urls")),
    path(
        "communities/<slug:slug>/feed.<str:fmt>", feed_views.community_feed, name="community_feed"
    ),
    path("people/<str:username>/feed.<str:fmt>", feed_views.person_feed, name="person_feed"),
    path("tags/<slug:tag>/", knowledge_views.tag_detail, name="tag"),
    path("items/<int:item_id>/history/", knowledge_views.item_history, name="item_history"),
    path("items/<int:item_id>/history/diff/", knowledge_views.item_diff, name="item_diff"),
    path("tags/<slug:tag>/feed.<str:fmt>", feed_views.tag_feed, name="tag_feed"),
    path(
        "communities/<slug:slug>/events.ics",
        event_views.community_ics,
        name="community_events_ics",
    ),
    path("communities/<slug:slug>/wiki/", include("knowledgehub.wiki.urls")),
    path("communities/<slug:slug>/forums/", include("knowledgehub.forums.urls")),
    path("communities/<slug:slug>/events/", include("knowledgehub.events.urls")),
    path("communities/<slug:slug>/library/", include("knowledgehub.library.urls")),
    path("communities/", include("knowledgehub.communities.urls")),
    path("offers/", include("knowledgehub.offers.urls")),
    path("notifications/", include("knowledgehub.notifications.urls")),
    path("follows/", include("knowledgehub.follows.urls")),
    path("", include("knowledgehub.serendipity.urls")),
    path("", include("knowledgehub.serendipity.people_urls")),
    path("", include("knowledgehub.serendipity.summary_urls")),
    path("themes/", include("knowledgehub.themes.urls")),
    path("trends/", include("knowledgehub.themes.trend_urls")),
    path("datasets/", include("knowledgehub.datasets.urls")),
    path("benchmarks/", include("knowledgehub.benchmarks.urls")),
    path("", include("knowledgehub.linkeddata.urls")),
    path("", include("knowledgehub.linkeddata.sparql_urls")),
    # /search?q=… (the documented address) and /search/… (results, feeds, saved searches).
    path("search", search_views.search_page, name="search_bare"),
    path("search/", include("knowledgehub.search.urls")),
    path("admin/", admin.site.urls),
    # The open platform (issue 9): the API, developer pages, OAuth, webhooks, widgets, oEmbed,
    # ActivityPub and WebFinger.
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_views.not_found),
    path("developers/", include("knowledgehub.api.urls")),
    path("oauth/", include(oauth_urls)),
    path("developers/webhooks/", include("knowledgehub.webhooks.urls")),
    path("widgets/", include("knowledgehub.widgets.urls")),
    path("oembed", widget_views.oembed, name="oembed"),
    path("", include("knowledgehub.federation.urls")),
]

if not settings.AWS_STORAGE_BUCKET_NAME:
    # Local media (avatars): files are re-encoded on upload and served with nosniff.
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
