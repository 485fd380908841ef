from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "knowledgehub.discussions"
    label = "discussions"
