from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "knowledgehub.offers"
    label = "offers"
