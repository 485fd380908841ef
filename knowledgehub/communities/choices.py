from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    OPEN = "open", _("Open: anyone can join")
    RESTRICTED = "restricted", _("Restricted: people ask to join and a facilitator approves")
    PRIVATE = "private", _("Private: by invitation only, listed in the directory")
    SECRET = "secret", _("Secret: by invitation only, invisible to everyone else")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    FACILITATOR = "facilitator", _("Facilitator")
    MEMBER = "member", _("Member")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


MANAGER_ROLES = frozenset({Role.OWNER, Role.FACILITATOR})
