from django.urls import path

from . import views

app_name = "aggregator"

# Mounted at feeds/ by knowledgehub/urls.py, after the feeds-out app (mine/, private/…).
urlpatterns = [
    path("", views.feed_list, name="list"),
    path("subscribe/", views.subscribe_view, name="subscribe"),
    path("s/<int:pk>/", views.source_detail, name="source"),
    path("s/<int:pk>/progress/", views.source_progress, name="source_progress"),
    path("s/<int:pk>/interval/", views.source_interval, name="source_interval"),
    path("s/<int:pk>/check/", views.source_check_now, name="source_check"),
    path("subscriptions/<int:pk>/stop/", views.unsubscribe_view, name="unsubscribe"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("opml/export/", views.opml_export, name="opml_export"),
    path("opml/import/", views.opml_import, name="opml_import"),
    path("opml/<int:pk>/", views.opml_job, name="opml_job"),
    path("opml/<int:pk>/progress/", views.opml_progress, name="opml_progress"),
]
