from django.apps import AppConfig


class WidgetsConfig(AppConfig):
    name = "knowledgehub.widgets"
    label = "widgets"
    verbose_name = "Widgets and oEmbed"
