from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.forms import TagListField

from .constants import BODY_MAX_LENGTH, NOTE_MAX_LENGTH, TITLE_MAX_LENGTH
from .models import Page


class PageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=_("Page text"),
        max_length=BODY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "You can use Markdown: **bold**, _italic_, lists, [links](https://example.org). "
            "Link to another page in this wiki with [[Page name]]. Mention people with @username."
        ),
    )
    parent = forms.ModelChoiceField(
        label=_("Parent page"),
        queryset=Page.objects.none(),
        required=False,
        empty_label=_("None (a top-level page)"),
    )
    tags = TagListField(label=_("Tags"), required=False, help_text=_("Separate tags with commas"))
    audience = forms.ChoiceField(
        label=_("Who can read it"), choices=Audience.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("What did you change? (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text=_("A short note for the page history"),
    )

    def __init__(
        self,
        *args: Any,
        community: Community,
        parent_choices: list[int],
        page: Page | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.page = page
        parents = Page.objects.filter(community=community, pk__in=parent_choices)
        if page is not None:
            parents = parents.exclude(pk__in=descendant_ids(page) | {page.pk})
        self.fields["parent"].queryset = parents.order_by("title")  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Enter a title"))
        others = Page.objects.filter(community=self.community, title__iexact=title)
        if self.page is not None:
            others = others.exclude(pk=self.page.pk)
        if others.exists():
            raise forms.ValidationError(
                _("There is already a page called “%(title)s” in this wiki: choose another title"),
                params={"title": title},
            )
        return title


class PageEditForm(PageForm):
    """The edit form also carries the revision the editor started from, to catch conflicts."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def descendant_ids(page: Page) -> set[int]:
    """Every page below ``page`` in its tree (so it cannot become its own ancestor)."""
    pairs = list(Page.objects.filter(community_id=page.community_id).values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in pairs:
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = [page.pk]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
