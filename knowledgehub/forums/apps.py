from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "knowledgehub.forums"
    label = "forums"
