"""The site's URLconf plus the oEmbed route the lead adds to ``knowledgehub/urls.py``."""

from django.urls import URLPattern, URLResolver, path

from knowledgehub import urls as site
from knowledgehub.widgets import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("oembed", views.oembed, name="oembed"),
    *site.urlpatterns,
]

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
