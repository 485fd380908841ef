from django.apps import AppConfig


class SerendipityConfig(AppConfig):
    name = "knowledgehub.serendipity"
    label = "serendipity"
    verbose_name = "Serendipity: related items, people and themes"

    def ready(self) -> None:
        from . import people  # noqa: F401  (connects the signals that mark person vectors stale)
