from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "wiki"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.page_index, name="index"),
    path("new/", views.page_create_view, name="create"),
    path("<slug:page_slug>/", views.page_detail, name="detail"),
    path("<slug:page_slug>/edit/", views.page_edit, name="edit"),
    path("<slug:page_slug>/history/", views.page_history, name="history"),
    path("<slug:page_slug>/diff/", views.page_diff, name="diff"),
    path("<slug:page_slug>/revert/<int:number>/", views.page_revert_view, name="revert"),
    path("<slug:page_slug>/delete/", views.page_delete_view, name="delete"),
]
