from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "knowledgehub.api"
    label = "api"
    verbose_name = "API and developer access"
