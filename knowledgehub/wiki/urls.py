from django.urls import URLPattern, URLResolver

app_name = "wiki"

urlpatterns: list[URLPattern | URLResolver] = []
