from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "knowledgehub.core"
    label = "core"

    def ready(self) -> None:
        # Register periodic tasks with Huey wherever Django starts (web or worker).
        import knowledgehub.tasks  # noqa: F401

        from . import checks  # noqa: F401
        from .pagecache import connect_signals

        connect_signals()
