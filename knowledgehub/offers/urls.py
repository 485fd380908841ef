from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("", views.offer_list, name="list"),
    path("new/", views.offer_create_view, name="create"),
    path("<int:pk>/", views.offer_detail, name="detail"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/met/", views.mark_met, name="met"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/edit/", views.offer_edit_view, name="edit"),
    path("<int:pk>/delete/", views.offer_delete_view, name="delete"),
]
