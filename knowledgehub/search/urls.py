from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("feed.atom", views.search_feed, name="feed"),
    path("suggest", views.suggest, name="suggest"),
    path("saved/", views.saved_list, name="saved"),
    path("saved/new/", views.saved_create, name="saved_create"),
    path("saved/<int:pk>/", views.saved_edit, name="saved_edit"),
    path("saved/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
    path("saved/<int:pk>/feed.atom", views.saved_feed, name="saved_feed"),
]
