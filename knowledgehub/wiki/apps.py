from django.apps import AppConfig


class WikiConfig(AppConfig):
    name = "knowledgehub.wiki"
    label = "wiki"
