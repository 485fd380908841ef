from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "knowledgehub.library"
    label = "library"
