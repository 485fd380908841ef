from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "knowledgehub.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks: council performance compared with peers"
