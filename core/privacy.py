"""Personal information protection (个人信息保护法, PIPL).

- Phone and ID numbers are shown masked; roles with a need click to see the full number, and every
  such read is written to RevealLog (visible to administrators in the admin).
- Exports of personal data are recorded (ExportRecord) by `record_export`.
- Visitor-type personal data is purged after the company's retention period by a daily job; each
  purge leaves a PurgeRecord.

Apps declare which fields are sensitive (`register_sensitive`) and which records expire
(`register_retention`), once, in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from core.choices import FULL_PHONE_ROLES, ID_REVEAL_ROLES
from core.phone import mask_phone

__all__ = [
    "mask_id",
    "mask_phone",
    "mask",
    "may_reveal",
    "register_sensitive",
    "sensitive_field",
    "MaskedPrefill",
    "reveal",
    "log_reveal",
    "record_export",
    "register_retention",
    "purge_expired",
]

PHONE, ID = "phone", "id"


def mask_id(value: str) -> str:
    """'330106199001011234' -> '3301**********1234'; short documents keep their last four characters."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) >= 10:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return "*" * len(value)


def mask(value: str, kind: str) -> str:
    return mask_phone(value or "") if kind == PHONE else mask_id(value or "")


def may_reveal(user, kind: str) -> bool:
    """Whether this user may click to see the full number of this kind (the click is logged)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return user.role in (FULL_PHONE_ROLES if kind == PHONE else ID_REVEAL_ROLES)


# ------------------------------------------------------------------ sensitive fields


@dataclass(frozen=True)
class Sensitive:
    model: type[Model]
    field: str
    kind: str
    visible: Callable[..., QuerySet]  # visible(user) -> the rows this user may see


_SENSITIVE: dict[tuple[str, str], Sensitive] = {}


def register_sensitive(model: type[Model], field: str, *, kind: str, visible: Callable[..., QuerySet]) -> None:
    if kind not in (PHONE, ID):
        raise ValueError(f"kind must be {PHONE!r} or {ID!r}")
    _SENSITIVE[(model._meta.label_lower, field)] = Sensitive(model, field, kind, visible)


def sensitive_field(label: str, field: str) -> Sensitive | None:
    return _SENSITIVE.get((label.lower(), field))


def kind_of(obj: Model, field: str) -> str:
    entry = sensitive_field(obj._meta.label_lower, field)
    if entry:
        return entry.kind
    return PHONE if "phone" in field or "mobile" in field else ID


def kind_of_label(label: str, field: str) -> str:
    entry = sensitive_field(label, field)
    return entry.kind if entry else ID


class RevealRefused(Exception):
    pass


def reveal(*, user, label: str, pk: str, field: str, ip: str | None = None) -> str:
    """The full value of a registered sensitive field, if this user may see that row and that kind;
    the read is logged. Raises RevealRefused (→ 404/403) otherwise."""
    entry = sensitive_field(label, field)
    if entry is None:
        raise RevealRefused("unknown field")
    obj = entry.visible(user).filter(pk=pk).first()
    if obj is None:
        raise RevealRefused("not visible")
    if not may_reveal(user, entry.kind):
        raise PermissionError
    value = str(getattr(obj, field) or "")
    log_reveal(user=user, obj=obj, field=field, kind=entry.kind, ip=ip)
    return value


def log_reveal(*, user, obj: Model, field: str, kind: str, ip: str | None = None) -> None:
    """Write down that `user` was given the full value of `obj.field` (the one RevealLog writer).
    `reveal` calls it after its role check; a page that gives a number for a need it checked
    itself (a technician calling the resident of his job, core/calls.py) calls it directly."""
    from core.models import RevealLog

    RevealLog.objects.create(
        user=user,
        kind=kind,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        field=field,
        ip=ip,
    )


# ------------------------------------------------------------------ edit forms


class MaskedPrefill:
    """Form mixin for editing a stored record's sensitive fields: "masked, kept unless changed".

    The page shows the masked value (138****5678), never the full one. Submitted still equal to that
    masked value, the field means "unchanged" and the stored number is kept (and cleaned again like
    any value); a new value is cleaned as usual; an empty one stays empty (a required field's error).

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk:
                self.mask_prefill(self.instance, "phone")
    """

    def mask_prefill(self, obj: Model, *names: str) -> None:
        kept = self.__dict__.setdefault("_masked_prefill", {})
        for name in names:
            value = str(getattr(obj, name, "") or "")
            if name not in self.fields or not value:
                continue
            masked = mask(value, kind_of(obj, name))
            self.initial[name] = masked
            kept[name] = (masked, value)

    def full_clean(self):
        kept = self.__dict__.get("_masked_prefill")
        if not (self.is_bound and kept):
            return super().full_clean()
        submitted = self.data
        data = submitted.copy()
        for name, (masked, value) in kept.items():
            key = self.add_prefix(name)
            if str(data.get(key) or "").strip() == masked:
                data[key] = value
        self.data = data
        try:
            super().full_clean()
        finally:
            self.data = submitted  # shown again after an error, the field holds what was sent: masked


# ------------------------------------------------------------------ exports


def record_export(*, user, what: str, filters: dict | None = None, rows: int):
    """Record an export of personal data: who, when, what, which filter, how many rows."""
    from core.models import ExportRecord

    clean = {
        str(k): (v if isinstance(v, str | int | float | bool | type(None)) else str(v))
        for k, v in (filters or {}).items()
    }
    return ExportRecord.objects.create(
        user=user if getattr(user, "pk", None) else None, what=str(what)[:100], filters=clean, rows=rows
    )


# ------------------------------------------------------------------ retention


@dataclass(frozen=True)
class Retention:
    code: str
    label: str
    purge: Callable[..., int]  # purge(*, company, before) -> rows touched


_RETENTION: dict[str, Retention] = {}


def register_retention(code: str, label, *, purge: Callable[..., int]) -> None:
    _RETENTION[code] = Retention(code, label, purge)


def retentions() -> list[Retention]:
    return list(_RETENTION.values())


def purge_expired(*, now=None) -> list:
    """For every company and every registered kind of record, purge what is older than the company's
    retention period, in one transaction per company and kind, and record what was done."""
    from core.models import Company, PrivacySettings, PurgeRecord

    now = now or timezone.now()
    records = []
    for company in Company.objects.all():
        settings_row, _ = PrivacySettings.objects.get_or_create(company=company)
        before = now - timedelta(days=settings_row.visitor_retention_days)
        for retention in retentions():
            with transaction.atomic():
                rows = retention.purge(company=company, before=before)
                if rows:
                    records.append(
                        PurgeRecord.objects.create(
                            company=company, code=retention.code, before=before, rows=rows, at=now
                        )
                    )
    return records
