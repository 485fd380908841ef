from django.apps import AppConfig


class AggregatorConfig(AppConfig):
    name = "knowledgehub.aggregator"
    label = "aggregator"
    verbose_name = "Incoming feeds"
