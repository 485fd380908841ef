from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledgehub.knowledge"
    label = "knowledge"
