from django.apps import AppConfig


class LinkedDataConfig(AppConfig):
    name = "knowledgehub.linkeddata"
    label = "linkeddata"
    verbose_name = "Linked data: URIs, content negotiation, the DCAT catalogue and SPARQL"
