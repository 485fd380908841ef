from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/edit/", views.profile_edit, name="edit"),
    path("<str:username>/", views.person_detail, name="detail"),
]
