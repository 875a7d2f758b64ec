"""Every write of the webhooks: keyword-only, one transaction, the rule checked, the audit trail
written. The URL is checked against private addresses here (webhooks/addresses.py) so a form, the
admin site or a script cannot save one."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.choices import Role
from core.errors import ActionRefused
from core.models import User
from core.text import check_text_lengths, text_limit
from webhooks import addresses, rules, sending
from webhooks.choices import PING, Event, Status
from webhooks.models import Delivery, Endpoint, new_secret


def _check(actor) -> None:
    if not rules.may_manage(actor):
        raise ActionRefused(_("只有公司管理员可以设置 Webhook。"))


def _mine(actor, endpoint: Endpoint) -> None:
    _check(actor)
    if endpoint.company_id != actor.company_id:
        raise ActionRefused(_("这不是本公司的接收端。"))


def _clean(name: str, url: str, events) -> tuple[str, str, list[str]]:
    name, url = (name or "").strip(), (url or "").strip()
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_("请填写名称。")]
    chosen = sorted(set(events or ()))
    unknown = [e for e in chosen if e not in Event.values]
    if unknown or not chosen:
        errors["events"] = [
            _("请至少选择一个事件。") if not chosen else _("未知的事件：%(e)s。") % {"e": ", ".join(unknown)}
        ]
    if not url:
        errors["url"] = [_("请填写接收地址。")]
    elif len(url) > text_limit(Endpoint, "url"):
        errors["url"] = [_("接收地址太长。")]
    else:
        try:
            addresses.check_url(url)
        except addresses.UnsafeAddress as exc:
            errors["url"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    check_text_lengths({"name": (name, text_limit(Endpoint, "name"))})
    return name, url, chosen


@transaction.atomic
def endpoint_create(*, actor, name: str, url: str, events) -> Endpoint:
    _check(actor)
    name, url, events = _clean(name, url, events)
    endpoint = Endpoint.objects.create(company_id=actor.company_id, name=name, url=url, events=events, created_by=actor)
    audit_record(actor=actor, obj=endpoint, action="create", changes={"url": url, "events": events})
    transaction.on_commit(sending.invalidate)
    return endpoint


@transaction.atomic
def endpoint_update(*, actor, endpoint: Endpoint, name: str, url: str, events) -> Endpoint:
    _mine(actor, endpoint)
    name, url, events = _clean(name, url, events)
    changes = {
        f: [getattr(endpoint, f), v]
        for f, v in (("name", name), ("url", url), ("events", events))
        if getattr(endpoint, f) != v
    }
    endpoint.name, endpoint.url, endpoint.events, endpoint.updated_at = name, url, events, timezone.now()
    endpoint.save(update_fields=["name", "url", "events", "updated_at"])
    audit_record(actor=actor, obj=endpoint, action="update", changes=changes)
    transaction.on_commit(sending.invalidate)
    return endpoint


@transaction.atomic
def endpoint_disable(*, actor, endpoint: Endpoint) -> Endpoint:
    _mine(actor, endpoint)
    if not endpoint.active:
        raise ActionRefused(_("这个接收端已经停用了。"))
    endpoint.active, endpoint.disabled_at = False, timezone.now()
    endpoint.disabled_reason = _("由 %(name)s 手动停用。") % {"name": actor.name}
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason"])
    audit_record(actor=actor, obj=endpoint, action="disable")
    transaction.on_commit(sending.invalidate)
    return endpoint


@transaction.atomic
def endpoint_enable(*, actor, endpoint: Endpoint) -> Endpoint:
    """Back on: the failure count starts over; what waited while it was off is sent now."""
    _mine(actor, endpoint)
    if endpoint.active:
        raise ActionRefused(_("这个接收端已经是启用状态。"))
    try:
        addresses.check_url(endpoint.url)
    except addresses.UnsafeAddress as exc:
        raise ActionRefused(str(exc)) from None
    endpoint.active, endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = True, 0, None, ""
    endpoint.save(update_fields=["active", "consecutive_failures", "disabled_at", "disabled_reason"])
    Delivery.objects.filter(endpoint=endpoint, status__in=[Status.PENDING, Status.FAILED]).update(
        next_attempt_at=timezone.now()
    )
    audit_record(actor=actor, obj=endpoint, action="enable")
    transaction.on_commit(sending.invalidate)
    transaction.on_commit(sending.kick)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor, endpoint: Endpoint) -> Endpoint:
    _mine(actor, endpoint)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    audit_record(actor=actor, obj=endpoint, action="rotate_secret")
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint: Endpoint) -> None:
    """Only an endpoint nothing was ever sent to (one added by mistake): its deliveries would go with
    it (the log an administrator or the receiver's owner may still need), so one that has a delivery
    is refused and switched off instead (endpoint_disable). The row is locked FOR UPDATE: a delivery
    being written meanwhile holds a key-share lock on it (its foreign key), so it is waited for and seen."""
    _mine(actor, endpoint)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if Delivery.objects.filter(endpoint=endpoint).exists():
        raise ActionRefused(_("这个接收端已有投递记录，删除会一并删掉这些记录；请改为停用。"))
    audit_record(actor=actor, obj=endpoint, action="delete", changes={"name": endpoint.name, "url": endpoint.url})
    endpoint.delete()
    transaction.on_commit(sending.invalidate)


def endpoint_ping(*, actor, endpoint: Endpoint) -> Delivery:
    """A test event sent at once (the administrator waits for its answer, at most the timeout)."""
    _mine(actor, endpoint)
    with transaction.atomic():
        payload = sending.ping_envelope(endpoint)
        delivery = Delivery.objects.create(
            endpoint=endpoint, event_id=payload["id"], event=PING, payload=payload, requested_by=actor
        )
        audit_record(actor=actor, obj=endpoint, action="ping", changes={"delivery": delivery.pk})
    return _try_now(delivery)


def delivery_redeliver(*, actor, delivery: Delivery) -> Delivery:
    """The same event again, as a new delivery (same event id, so the receiver can tell), tried at once."""
    _mine(actor, delivery.endpoint)
    with transaction.atomic():
        again = Delivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event=delivery.event,
            payload=delivery.payload,
            redelivery_of=delivery,
            requested_by=actor,
        )
        audit_record(
            actor=actor, obj=delivery.endpoint, action="redeliver", changes={"delivery": delivery.pk, "new": again.pk}
        )
    return _try_now(again)


def _try_now(delivery: Delivery) -> Delivery:
    if delivery.endpoint.active:
        sending.drain(limit=1, only=[delivery.pk])
    delivery.refresh_from_db()
    return delivery


def tell_disabled(endpoint: Endpoint, reason: str) -> None:
    """An endpoint that stopped answering was switched off: its company's administrators are told."""
    from django.urls import reverse

    from core.notify import notify

    admins = User.objects.filter(is_active=True, company_id=endpoint.company_id, role=Role.COMPANY_ADMIN)
    notify(
        admins,
        title=_("Webhook 接收端“%(name)s”已自动停用") % {"name": endpoint.name},
        body=_("%(reason)s 地址：%(url)s。修复接收方后，请在 Webhook 页面重新启用。")
        % {"reason": reason, "url": endpoint.url},
        url=reverse("webhooks:detail", args=[endpoint.pk]),
    )
