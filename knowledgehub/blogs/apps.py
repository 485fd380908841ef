from django.apps import AppConfig


class BlogsConfig(AppConfig):
    name = "knowledgehub.blogs"
    label = "blogs"
