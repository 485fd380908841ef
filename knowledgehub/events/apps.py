from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "knowledgehub.events"
    label = "events"
