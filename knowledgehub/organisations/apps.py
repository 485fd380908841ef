from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "knowledgehub.organisations"
    label = "organisations"
