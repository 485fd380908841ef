"""Factories for the benchmarks app's tests (values are plain rows: the write services in
writes.py add revisions and bump versions; tests that need those call the services)."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from django.db.models import F

from knowledgehub.benchmarks.choices import PeriodType, Polarity, Sharing
from knowledgehub.benchmarks.models import (
    BenchmarkingClub,
    CouncilContributor,
    Metric,
    MetricValue,
    ServiceArea,
)
from knowledgehub.testing.factories import OrganisationFactory, UserFactory


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceArea
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Service area {n}")


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Metric
        django_get_or_create = ("identifier",)

    identifier = factory.Sequence(lambda n: f"metric-{n}")
    title = factory.Sequence(lambda n: f"Test metric {n}")
    description = "What share of something good happened."
    unit = "%"
    polarity = Polarity.HIGHER
    period_type = PeriodType.FINANCIAL_YEAR
    service_area = factory.SubFactory(ServiceAreaFactory)


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BenchmarkingClub
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"club-{n}")
    name = factory.Sequence(lambda n: f"Benchmarking club {n}")

    @factory.post_generation
    def councils(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.members.add(*extracted)


class ContributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilContributor

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


def financial_year_start(label: str) -> date:
    """``2013/14`` -> 1 April 2013 (enough for factories; periods.py is the real parser)."""
    return date(int(label[:4]), 4, 1)


class ValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricValue

    metric = factory.SubFactory(MetricFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    period = "2023/24"
    period_start = factory.LazyAttribute(lambda o: financial_year_start(o.period))
    value = 50.0
    sharing = Sharing.PUBLIC

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        obj = super()._create(model_class, *args, **kwargs)
        Metric.objects.filter(pk=obj.metric_id).update(values_version=F("values_version") + 1)
        return obj


def steward() -> Any:
    """A person with the data-steward permission (defines metrics, imports, confirms people)."""
    from django.contrib.auth.models import Permission

    person = UserFactory()
    person.user_permissions.add(
        Permission.objects.get(codename="import_values", content_type__app_label="benchmarks")
    )
    return person
