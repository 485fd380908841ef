from django.urls import path

from . import views

app_name = "blogs"

urlpatterns = [
    path("new/", views.post_create_view, name="create"),
    path("<int:pk>/", views.post_detail, name="detail"),
]
