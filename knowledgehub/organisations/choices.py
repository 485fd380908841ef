from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    UNITARY = "unitary", _("Unitary authority")
    DISTRICT = "district", _("District council")
    METROPOLITAN = "metropolitan", _("Metropolitan borough")
    LONDON_BOROUGH = "london_borough", _("London borough")
    COUNTY = "county", _("County council")
    WELSH_UNITARY = "welsh_unitary", _("Welsh unitary authority")
    SCOTTISH_UNITARY = "scottish_unitary", _("Scottish council")
    NI_DISTRICT = "ni_district", _("Northern Ireland district council")
    OTHER_COUNCIL = "other_council", _("Other council")
    CHARITY = "charity", _("Charity or voluntary organisation")
    HEALTH = "health", _("Health body")
    COMPANY = "company", _("Company")
    PUBLIC_BODY = "public_body", _("Other public body")
    OTHER = "other", _("Other organisation")


COUNCIL_TYPES = frozenset(
    {
        OrganisationType.UNITARY,
        OrganisationType.DISTRICT,
        OrganisationType.METROPOLITAN,
        OrganisationType.LONDON_BOROUGH,
        OrganisationType.COUNTY,
        OrganisationType.WELSH_UNITARY,
        OrganisationType.SCOTTISH_UNITARY,
        OrganisationType.NI_DISTRICT,
        OrganisationType.OTHER_COUNCIL,
    }
)
PARTNER_TYPES = [(t.value, t.label) for t in OrganisationType if t not in COUNCIL_TYPES]

# The GSS code's entity prefix says what kind of council it is (ONS Register of Geographic Codes).
GSS_PREFIX_TYPES = {
    "E06": OrganisationType.UNITARY,
    "E07": OrganisationType.DISTRICT,
    "E08": OrganisationType.METROPOLITAN,
    "E09": OrganisationType.LONDON_BOROUGH,
    "E10": OrganisationType.COUNTY,
    "W06": OrganisationType.WELSH_UNITARY,
    "S12": OrganisationType.SCOTTISH_UNITARY,
    "N09": OrganisationType.NI_DISTRICT,
}
GSS_PREFIX_NATIONS = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}
NATIONS = ["England", "Northern Ireland", "Scotland", "Wales"]
