from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "knowledgehub.federation"
    label = "federation"
    verbose_name = "Federation (ActivityPub, WebSub)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (connects the signal receivers)
