"""The change log (AuditEntry) written by services: who changed which record, when, and what."""

from core.models import AuditEntry


def audit_record(*, actor, obj, action: str, changes: dict | None = None) -> AuditEntry:
    """Write one change-log row for `obj` (any model instance). `changes` is a JSON-able dict."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action[:20],
        changes=changes or {},
    )


def audit_refusal(*, actor, object_type: str, object_id: str, object_repr: str, reason: str, data: dict | None = None):
    """Record a refused attempt (a used or expired code, a handover to oneself…): nothing changed, but
    the attempt is evidence. Call it outside the transaction that was rolled back."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=object_type,
        object_id=str(object_id)[:40],
        object_repr=str(object_repr)[:200],
        action="refused",
        changes={"reason": str(reason), **(data or {})},
    )
