from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.lib.uploads import accepted_types_text, max_upload_bytes, validate_upload
from knowledgehub.people.forms import TagListField
from knowledgehub.people.models import User

from .choices import Status
from .services import check_cover

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a wall-clock time; ValueError for a time the clocks skip."""
    aware = local.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        raise ValueError("non-existent local time")
    return utc


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class PublishAtField(forms.CharField):
    """A wall-clock date and time in the site's zone (Europe/London), returned as an aware
    datetime in UTC."""

    widget = LocalDateTimeInput

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        if isinstance(value, datetime):
            return value
        text = (value or "").strip()
        if not text:
            return None
        for fmt in LOCAL_FORMATS:
            try:
                local = datetime.strptime(text, fmt)
            except ValueError:
                continue
            try:
                return local_to_utc(local, site_zone())
            except ValueError:
                raise ValidationError(
                    _("That time does not exist in the UK (the clocks go forward): choose another"),
                    code="invalid",
                ) from None
        raise ValidationError(
            _("Enter a real date and time, for example 29/03/2027 14:30"), code="invalid"
        )

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        return None


def _file_help() -> str:
    return str(
        _("%(types)s, up to %(size)s")
        % {"types": accepted_types_text(), "size": filesizeformat(max_upload_bytes())}
    )


class PostForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    body = forms.CharField(
        label=_("Post"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "You can use Markdown: **bold**, _italic_, [links](https://example.org), lists. "
            "Mention people with @username."
        ),
        error_messages={"required": _("Enter your post")},
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("My own blog"),
    )
    audience = forms.ChoiceField(
        label=_("Who can read it"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
        initial=Audience.PUBLIC,
    )
    tags = TagListField(label=_("Tags"), required=False, help_text=_("Separate tags with commas"))
    cover = forms.FileField(
        label=_("Cover image (optional)"),
        required=False,
        help_text=_("A PNG, JPEG, GIF or WebP image. A preview does not keep a chosen file."),
    )
    cover_alt = forms.CharField(
        label=_("Describe the cover image"),
        max_length=250,
        required=False,
        help_text=_("For people who cannot see it. Needed when there is a cover image."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    status = forms.ChoiceField(
        label=_("When to publish"),
        choices=[
            (Status.PUBLISHED, _("Publish now")),
            (Status.SCHEDULED, _("Publish later, at the date and time below")),
            (Status.DRAFT, _("Save as a draft (only you can see it)")),
        ],
        widget=forms.RadioSelect,
        initial=Status.PUBLISHED,
    )
    publish_at = PublishAtField(
        label=_("Date and time to publish (UK time)"),
        required=False,
        help_text=_("Only for “Publish later”. For example 29/03/2027 14:30"),
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        post: Any = None,
        fixed_community: Community | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.post = post
        if post is not None or fixed_community is not None:
            del self.fields["community"]  # a post never moves: its address stays put
        else:
            self.fields["community"].queryset = Community.objects.filter(  # type: ignore[attr-defined]
                memberships__user=user
            ).order_by("name")
        self.fixed_community = fixed_community
        if post is None or not post.cover:
            del self.fields["remove_cover"]
        if post is not None and post.is_live:
            # A published post stays published (moving it back to drafts would take it out of
            # the index with its comments, and undo a facilitator's hiding): edit or delete it.
            del self.fields["status"]
            del self.fields["publish_at"]

    def clean_cover(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("cover")
        if upload:
            check_cover(upload)
            return upload
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        community = self.fixed_community or data.get("community")
        if self.post is not None:
            community = self.post.community
        if data.get("audience") == Audience.COMMUNITY and community is None:
            self.add_error(
                "audience", _("Choose a community, or a different audience for your own blog")
            )
        status = data.get("status")
        publish_at = data.get("publish_at")
        if status == Status.SCHEDULED:
            if publish_at is None and "publish_at" not in self.errors:
                self.add_error("publish_at", _("Enter the date and time to publish the post"))
            elif publish_at is not None and publish_at <= timezone.now():
                self.add_error(
                    "publish_at", _("The date and time to publish must be in the future")
                )
        has_cover = bool(data.get("cover")) or (
            self.post is not None and bool(self.post.cover) and not data.get("remove_cover")
        )
        if has_cover and not (data.get("cover_alt") or "").strip() and "cover" not in self.errors:
            self.add_error("cover_alt", _("Describe the cover image for people who cannot see it"))
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file"),
        error_messages={"required": _("Select a file")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        validate_upload(upload)
        return upload
