from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path("mine/", views.my_feeds, name="mine"),
    path("private/<str:token>/feed.<str:fmt>", views.private_feed, name="private_site"),
    path(
        "private/<str:token>/communities/<slug:slug>/feed.<str:fmt>",
        views.private_feed,
        name="private_community",
    ),
]
