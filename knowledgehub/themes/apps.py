from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "knowledgehub.themes"
    label = "themes"
    verbose_name = "Themes and trends: what bubbles up"
