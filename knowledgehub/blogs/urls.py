"""Blog addresses. A community post lives at /communities/<slug>/blog/<id>/ and a personal one
at /people/<username>/blog/<id>/ (mounted at the site root in ``knowledgehub/urls.py``, before
the people URLconf); /blogs/<id>/ is the old address and moves there permanently."""

from django.urls import URLPattern, path

from . import views

app_name = "blogs"


def _post_routes(prefix: str, owner: str) -> list[URLPattern]:
    """The pages of one post, under its owner (a community or a person)."""
    return [
        path(f"{prefix}<int:pk>/", views.post_detail, name=f"{owner}_detail"),
        path(f"{prefix}<int:pk>/edit/", views.post_edit_view, name=f"{owner}_edit"),
        path(f"{prefix}<int:pk>/delete/", views.post_delete_view, name=f"{owner}_delete"),
        path(f"{prefix}<int:pk>/cover/", views.cover_view, name=f"{owner}_cover"),
        path(
            f"{prefix}<int:pk>/files/add/",
            views.attachment_add_view,
            name=f"{owner}_attachment_add",
        ),
        path(
            f"{prefix}<int:pk>/files/<int:attachment_id>/",
            views.attachment_download_view,
            name=f"{owner}_attachment_download",
        ),
        path(
            f"{prefix}<int:pk>/files/<int:attachment_id>/remove/",
            views.attachment_remove_view,
            name=f"{owner}_attachment_remove",
        ),
    ]


COMMUNITY = "communities/<slug:slug>/blog/"
PERSON = "people/<str:username>/blog/"

urlpatterns = [
    path("blogs/new/", views.post_create_view, name="create"),
    path("blogs/<int:pk>/", views.legacy_detail, name="legacy_detail"),
    path(COMMUNITY, views.community_list, name="community_list"),
    path(f"{COMMUNITY}new/", views.community_create_view, name="community_create"),
    *_post_routes(COMMUNITY, "community"),
    path(PERSON, views.person_list, name="person_list"),
    *_post_routes(PERSON, "person"),
]
