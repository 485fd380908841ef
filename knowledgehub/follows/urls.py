from django.urls import path

from . import views

app_name = "follows"

urlpatterns = [
    path("stream/", views.stream_page, name="stream"),
    path("stream.json", views.stream_json, name="stream_json"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("people/<str:username>/followers/", views.followers, name="followers"),
    path("people/<str:username>/following/", views.following_view, name="following"),
    path("<str:kind>/<int:pk>/follow/", views.follow_view, name="follow"),
    path("<str:kind>/<int:pk>/unfollow/", views.unfollow_view, name="unfollow"),
]
