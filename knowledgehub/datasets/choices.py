"""Controlled values for datasets, each with the URI it has in linked data (DCAT-AP uses the EU
Publications Office vocabularies for themes and frequencies)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned with comments")


class Licence(models.TextChoices):
    OGL_3 = "OGL-UK-3.0", _("Open Government Licence v3.0")
    CC_BY_4 = "CC-BY-4.0", _("Creative Commons Attribution 4.0")
    CC0 = "CC0-1.0", _("Creative Commons Zero 1.0 (public domain)")
    ODBL = "ODbL-1.0", _("Open Data Commons Open Database Licence 1.0")


LICENCE_URIS = {
    Licence.OGL_3: "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
}


class Frequency(models.TextChoices):
    """EU frequency vocabulary codes (``EU_FREQUENCY`` + code)."""

    ANNUAL = "ANNUAL", _("Every year")
    QUARTERLY = "QUARTERLY", _("Every quarter")
    MONTHLY = "MONTHLY", _("Every month")
    WEEKLY = "WEEKLY", _("Every week")
    DAILY = "DAILY", _("Every day")
    IRREG = "IRREG", _("Irregularly")
    NEVER = "NEVER", _("Never (a one-off)")
    UNKNOWN = "UNKNOWN", _("Not known")


class DataTheme(models.TextChoices):
    """EU data-theme vocabulary codes (``EU_THEME`` + code)."""

    AGRI = "AGRI", _("Agriculture, fisheries, forestry and food")
    ECON = "ECON", _("Economy and finance")
    EDUC = "EDUC", _("Education, culture and sport")
    ENER = "ENER", _("Energy")
    ENVI = "ENVI", _("Environment")
    GOVE = "GOVE", _("Government and public sector")
    HEAL = "HEAL", _("Health")
    INTR = "INTR", _("International issues")
    JUST = "JUST", _("Justice, legal system and public safety")
    REGI = "REGI", _("Regions and cities")
    SOCI = "SOCI", _("Population and society")
    TECH = "TECH", _("Science and technology")
    TRAN = "TRAN", _("Transport")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be imported")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Could not be imported")


class ColumnType(models.TextChoices):
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes or no")
    GSS = "gss", _("GSS area code")
    TEXT = "text", _("Text")
