from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("", views.library_index, name="index"),
    path("folders/new/", views.folder_create_view, name="folder_create"),
    path("f/<int:folder_id>/", views.folder_detail, name="folder"),
    path("f/<int:folder_id>/edit/", views.folder_edit_view, name="folder_edit"),
    path("f/<int:folder_id>/delete/", views.folder_delete_view, name="folder_delete"),
    path("upload/", views.upload_view, name="upload"),
    path("d/<int:pk>/", views.document_detail, name="detail"),
    path("d/<int:pk>/edit/", views.document_edit_view, name="edit"),
    path("d/<int:pk>/delete/", views.document_delete_view, name="delete"),
    path("d/<int:pk>/new-version/", views.version_create_view, name="version_create"),
    path("d/<int:pk>/download/", views.document_download_view, name="download"),
    path(
        "d/<int:pk>/v/<int:number>/download/",
        views.version_download_view,
        name="version_download",
    ),
    path("d/<int:pk>/preview/", views.image_preview_view, name="preview"),
]
