from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("unread/", views.unread_badge, name="unread"),
    path("settings/", views.notification_settings, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:pk>/", views.notification_open, name="open"),
]
