from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "knowledgehub.feeds"
    label = "feeds"
