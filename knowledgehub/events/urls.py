from django.urls import path

from . import views

app_name = "events"

# Mounted at communities/<slug>/events/ by knowledgehub/urls.py.
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create_view, name="create"),
    path("calendar.ics", views.community_ics, name="calendar"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/rsvp/", views.event_rsvp, name="rsvp"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/delete/", views.event_delete_view, name="delete"),
    path("<int:pk>/event.ics", views.event_ics, name="ics"),
]
