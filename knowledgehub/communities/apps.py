from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "knowledgehub.communities"
    label = "communities"
