from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import COUNCIL_TYPES, GSS_PREFIX_NATIONS, GSS_PREFIX_TYPES, OrganisationType

GSS_CODE_RE = re.compile(r"^[EWSNK]\d{8}$")
ONS_GEOGRAPHY_URI = "http://statistics.data.gov.uk/id/statistical-geography/{}"


def type_for_gss(code: str) -> OrganisationType:
    """The council type implied by a GSS code's entity prefix (E06 unitary, E07 district, …)."""
    return GSS_PREFIX_TYPES.get(code[:3], OrganisationType.OTHER_COUNCIL)


def nation_for_gss(code: str) -> str:
    return GSS_PREFIX_NATIONS.get(code[:1], "")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def councils(self) -> OrganisationQuerySet:
        return self.filter(type__in=COUNCIL_TYPES)

    def current(self) -> OrganisationQuerySet:
        return self.filter(end_date__isnull=True)


class Organisation(models.Model):
    """A council (identified by its ONS GSS code) or a partner body (charity, health, company).

    Organisations are public reference data: every page about them is visible to everyone.
    ``code`` is the GSS code for councils and a slug for partners, and is the URL key.
    """

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    official_name = models.CharField(_("official name"), max_length=255, blank=True)
    type = models.CharField(_("type"), max_length=32, choices=OrganisationType.choices)
    nation = models.CharField(_("nation"), max_length=32, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("upper-tier council"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    end_date = models.DateField(_("abolished on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["type", "name"]), models.Index(fields=["region", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", kwargs={"code": self.code})

    @property
    def is_council(self) -> bool:
        return self.type in COUNCIL_TYPES

    @property
    def gss_code(self) -> str | None:
        return self.code if self.is_council and GSS_CODE_RE.match(self.code) else None

    @property
    def ons_uri(self) -> str | None:
        return ONS_GEOGRAPHY_URI.format(self.gss_code) if self.gss_code else None

    def clean(self) -> None:
        if self.type in COUNCIL_TYPES and not GSS_CODE_RE.match(self.code or ""):
            raise ValidationError(
                {"code": _("A council's code must be its GSS code, like E08000009.")}
            )
