from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "knowledgehub.people"
    label = "people"
