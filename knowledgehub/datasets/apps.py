from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "knowledgehub.datasets"
    label = "datasets"
    verbose_name = "Datasets: approved open data"
