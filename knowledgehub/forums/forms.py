from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgehub.people.forms import TagListField

from .choices import THREAD_AUDIENCES
from .models import Category

MARKDOWN_HELP = _(
    "You can use Markdown: **bold**, _italic_, [links](https://example.org), lists. "
    "Mention someone with @username."
)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ThreadEditForm(forms.Form):
    """A thread's title, opening post and tags (its audience is chosen when it is started)."""

    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    body = forms.CharField(
        label=_("Your post"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=MARKDOWN_HELP,
        error_messages={"required": _("Enter your post")},
    )
    tags = TagListField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas, for example: planning, consultation"),
    )

    def clean_title(self) -> str:
        title = str(self.cleaned_data["title"]).strip()
        if not title:
            raise forms.ValidationError(_("Enter a title"))
        return title


class ThreadForm(ThreadEditForm):
    audience = forms.ChoiceField(
        label=_("Who can read it"), choices=THREAD_AUDIENCES, widget=forms.RadioSelect
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=MARKDOWN_HELP,
        error_messages={"required": _("Enter your reply")},
    )
    quoted = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReplyEditForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=MARKDOWN_HELP,
        error_messages={"required": _("Enter your reply")},
    )


class MoveForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Move to category"),
        queryset=Category.objects.none(),
        error_messages={"invalid_choice": _("Choose a category of this community")},
    )

    def __init__(self, *args: Any, community_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            community_id=community_id
        )
