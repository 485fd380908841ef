"""Developer pages: /developers/ (personal access tokens, OAuth applications)."""

from django.urls import URLPattern, path

from . import token_views

app_name = "developers"

urlpatterns: list[URLPattern] = [
    path("", token_views.index, name="index"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/new/", token_views.token_new, name="token_new"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
    path("apps/", token_views.app_list, name="apps"),
    path("apps/new/", token_views.app_new, name="app_new"),
    path("apps/<int:pk>/", token_views.app_detail, name="app"),
    path("apps/<int:pk>/delete/", token_views.app_delete, name="app_delete"),
    path("authorised/", token_views.authorised_list, name="authorised"),
    path("authorised/<int:pk>/revoke/", token_views.authorised_revoke, name="authorised_revoke"),
]
