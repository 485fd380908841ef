from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "knowledgehub.notifications"
    label = "notifications"
