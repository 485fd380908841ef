from django.apps import AppConfig


class FollowsConfig(AppConfig):
    name = "knowledgehub.follows"
    label = "follows"
    verbose_name = "Following and the activity stream"
