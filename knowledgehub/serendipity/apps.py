from django.apps import AppConfig


class SerendipityConfig(AppConfig):
    name = "knowledgehub.serendipity"
    label = "serendipity"
    verbose_name = "Serendipity: related items, people and themes"
