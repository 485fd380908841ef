"""Dataset addresses, under /datasets/: the catalogue, publishing, each dataset's page with its
workflow actions, downloads, the suggested chart and the data API."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from . import views

app_name = "datasets"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dataset_list, name="list"),
    path("new/", views.dataset_create_view, name="create"),
    path("<slug:slug>/", views.dataset_detail, name="detail"),
    path("<slug:slug>/edit/", views.dataset_edit_view, name="edit"),
    path("<slug:slug>/progress/", views.dataset_progress, name="progress"),
    path("<slug:slug>/submit/", views.dataset_submit_view, name="submit"),
    path("<slug:slug>/approve/", views.dataset_approve_view, name="approve"),
    path("<slug:slug>/return/", views.dataset_return_view, name="return"),
    path("<slug:slug>/versions/new/", views.version_add_view, name="version_add"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/download\.(?P<fmt>csv|xlsx|json)$",
        views.dataset_download,
        name="download",
    ),
    path("<slug:slug>/chart.svg", views.dataset_chart, name="chart"),
    path("<slug:slug>/rows", views.dataset_rows, name="rows"),
]
