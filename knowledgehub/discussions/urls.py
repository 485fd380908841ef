from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("items/<int:item_id>/comment/", views.comment, name="comment"),
    path("items/<int:item_id>/react/", views.react, name="react"),
    path("items/<int:item_id>/report/", views.report, name="report"),
    path("comments/<int:comment_id>/<str:action>/", views.moderate, name="moderate"),
]
