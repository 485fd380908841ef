"""Datasets for the UI, workflow, export and API tests, built in code: versions and rows are
written straight to the database (as a finished import leaves them), so these tests do not depend
on the import pipeline."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User
from knowledgehub.testing.factories import UserFactory

from ..choices import ImportStatus, Status
from ..models import Dataset, DatasetRow, Distribution
from ..services import Metadata, dataset_approve, dataset_create, dataset_submit

COLUMNS: list[dict[str, Any]] = [
    {"name": "council", "type": "text"},
    {"name": "code", "type": "gss"},
    {"name": "value", "type": "integer"},
    {"name": "measured", "type": "date"},
]
ROWS: list[list[Any]] = [
    ["Barnsley", "E08000016", 9, "2023-04-01"],
    ["Anglesey", "W06000001", 100, "2022-04-01"],
    ["Cardiff", "W06000015", -5, None],
    ["Dover", "E07000108", 10, "2024-04-01"],
]


def steward() -> User:
    user: User = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="approve_dataset", content_type__app_label="datasets")
    )
    return User.objects.get(pk=user.pk)  # permissions are cached per instance


def add_version(
    dataset: Dataset,
    columns: list[dict[str, Any]] | None = None,
    rows: list[list[Any]] | None = None,
    *,
    status: str = ImportStatus.DONE,
    **fields: Any,
) -> Distribution:
    columns = COLUMNS if columns is None else columns
    rows = ROWS if rows is None else rows
    version = (
        dataset.distributions.order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    done = status == ImportStatus.DONE
    distribution = Distribution.objects.create(
        dataset=dataset,
        version=version,
        original_name="data.csv",
        format="csv",
        columns=columns,
        row_count=len(rows) if done else 0,
        status=status,
        created_by=dataset.created_by,
        **fields,
    )
    if done:
        DatasetRow.objects.bulk_create(
            [
                DatasetRow(distribution=distribution, number=n, data=row)
                for n, row in enumerate(rows, 1)
            ]
        )
    return distribution


def make_dataset(
    *,
    creator: User | None = None,
    title: str = "Recycling rates",
    community: Community | None = None,
    audience: str = Audience.PUBLIC,
    status: str = Status.APPROVED,
    columns: list[dict[str, Any]] | None = None,
    rows: list[list[Any]] | None = None,
    reviewer: User | None = None,
    tags: tuple[str, ...] = (),
) -> Dataset:
    creator = creator or UserFactory()
    dataset = dataset_create(
        user=creator,
        meta=Metadata(
            title=title,
            description="How much household waste each council recycles.",
            community=community,
            audience=audience,
            tags=list(tags),
        ),
    )
    if status != Status.DRAFT or columns is not None:
        add_version(dataset, columns, rows)
    if status in (Status.SUBMITTED, Status.APPROVED, Status.RETURNED):
        dataset_submit(dataset=dataset, user=creator)
    if status == Status.APPROVED:
        dataset_approve(dataset=dataset, reviewer=reviewer or steward())
    if status == Status.RETURNED:
        from ..services import dataset_return

        dataset_return(dataset=dataset, reviewer=reviewer or steward(), comment="Add a licence")
    return Dataset.objects.get(pk=dataset.pk)
