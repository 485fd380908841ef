from django.urls import path

from . import club_views, entry_views, import_views, people_views, views

app_name = "benchmarks"

urlpatterns = [
    path("", views.index, name="index"),
    path("metrics/new/", entry_views.metric_new, name="metric_new"),
    path("metrics/<slug:identifier>/", views.metric_detail, name="metric"),
    path("metrics/<slug:identifier>/edit/", entry_views.metric_edit, name="metric_edit"),
    path("metrics/<slug:identifier>/chart/<str:kind>.svg", views.chart_svg, name="chart_svg"),
    path("metrics/<slug:identifier>/chart/<str:kind>.csv", views.chart_csv, name="chart_csv"),
    path("metrics/<slug:identifier>/embed/", views.embed, name="embed"),
    path("metrics/<slug:identifier>/learn/", people_views.learn, name="learn"),
    path("metrics/<slug:identifier>/ask/", people_views.ask, name="ask"),
    path("councils/<str:code>/", views.council_detail, name="council"),
    path("councils/<str:code>/enter/", entry_views.enter_value, name="enter"),
    path("councils/<str:code>/history/<slug:identifier>/", views.value_history, name="history"),
    path("councils/<str:code>/contributors/", club_views.contributors, name="contributors"),
    path("neighbours/", views.neighbours, name="neighbours"),
    path("clubs/", views.club_list, name="clubs"),
    path("clubs/new/", club_views.club_new, name="club_new"),
    path("clubs/<slug:slug>/edit/", club_views.club_edit, name="club_edit"),
    path("clubs/<slug:slug>/", views.club_detail, name="club"),
    path("import/", import_views.upload, name="import"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
]
