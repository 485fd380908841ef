from django.urls import path, re_path

from . import views

app_name = "discussions"

urlpatterns = [
    path("items/<int:item_id>/comment/", views.comment, name="comment"),
    path("items/<int:item_id>/react/", views.react, name="react"),
    path("items/<int:item_id>/report/", views.report, name="report"),
    re_path(
        r"^items/(?P<item_id>[0-9]+)/(?P<action>hide|restore)/$",
        views.item_moderate,
        name="item_moderate",
    ),
    path("comments/<int:comment_id>/<str:action>/", views.moderate, name="moderate"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/<int:report_id>/resolve/", views.report_resolve, name="resolve"),
]
