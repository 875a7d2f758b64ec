"""The change log (AuditEntry) written by services: who changed which record, when, and what."""

from core.models import AuditEntry, User


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


def audit_signin(*, action: str, username: str, ip: str | None, path: str = "", actor=None, data: dict | None = None):
    """Record a sign-in event (a failure, a lockout, a lockout lifted) against the account named,
    whether or not it exists. Never a password: only the name, the address and the page."""
    if getattr(actor, "pk", None) and actor.username == username:
        user_id = actor.pk  # the account is at hand: no need to look it up by name
    else:
        user_id = User.objects.filter(username=username).values_list("pk", flat=True).first() if username else None
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=User._meta.label,
        object_id=str(user_id or ""),
        object_repr=str(username)[:200],
        action=action[:20],
        changes={"username": str(username)[:150], "ip": ip, "path": path, **(data or {})},
    )
