"""Notifications: an in-app inbox for staff, plus outside channels (email now; SMS or WeChat
later) behind one small interface, so the rules that decide WHO is told never change when a new
way of telling them is added.

A channel is a class with a `name` and `send(notification)`; `PROPDESK_NOTIFICATION_CHANNELS`
lists the dotted paths of the outside channels in use. `notify()` writes the inbox row and one
`Delivery` per outside channel in the caller's transaction (an outbox: nothing is lost if the
process dies); `send_pending()` claims each delivery with a compare-and-swap and sends it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import Delivery, Notification

MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=10)


class Channel:
    name = "base"

    def wants(self, user) -> bool:
        return True

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def wants(self, user) -> bool:
        return bool(user.email)

    def send(self, notification: Notification) -> None:
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{settings.PROPDESK_BASE_URL.rstrip('/')}{notification.url}"
        send_mail(
            subject=f"[PropDesk] {notification.title}",
            message=body,
            from_email=None,
            recipient_list=[notification.user.email],
            fail_silently=False,
        )


def channels() -> dict[str, Channel]:
    return {c.name: c for c in (import_string(path)() for path in settings.PROPDESK_NOTIFICATION_CHANNELS)}


def notify(users, *, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Tell each user (once, even if listed twice) through the inbox and every outside channel."""
    return notify_many([(users, title, body, url)])


def notify_many(messages) -> list[Notification]:
    """Several messages at once, each `(users, title, body, url)`: three INSERTs whatever the count."""
    outside = list(channels().values())
    notes = []
    for users, title, body, url in messages:
        seen = set()
        for user in users:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            notes.append(Notification(user=user, title=title[:200], body=body, url=url))
    if not notes:
        return []
    Notification.objects.bulk_create(notes)
    if any(n.pk is None for n in notes):  # a backend that cannot return keys from a bulk insert
        raise RuntimeError("bulk_create did not return primary keys")
    Delivery.objects.bulk_create(
        [Delivery(notification=n, channel=c.name) for n in notes for c in outside if c.wants(n.user)]
    )
    return notes


def send_pending(limit: int = 200) -> int:
    """Send what is waiting in the outbox. Each delivery is claimed atomically, so several workers
    never send the same one; a claim older than STALE_CLAIM (a worker that died) is taken over."""
    available = channels()
    now = timezone.now()
    sent = 0
    candidates = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING).values_list("pk", flat=True).order_by("pk")[:limit]
    ) + list(
        Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
        .values_list("pk", flat=True)
        .order_by("pk")[:limit]
    )
    for pk in candidates:
        claimed = (
            Delivery.objects.filter(pk=pk)
            .filter(_claimable(now))
            .update(status=Delivery.Status.SENDING, claimed_at=now)
        )
        if not claimed:
            continue
        delivery = Delivery.objects.select_related("notification__user").get(pk=pk)
        channel = available.get(delivery.channel)
        try:
            if channel is None:
                raise LookupError(f"channel {delivery.channel} is not configured")
            channel.send(delivery.notification)
        except Exception as exc:  # a channel's failure must not stop the others
            attempts = delivery.attempts + 1
            Delivery.objects.filter(pk=pk).update(
                status=Delivery.Status.FAILED if attempts >= MAX_ATTEMPTS else Delivery.Status.PENDING,
                attempts=attempts,
                last_error=str(exc)[:300],
            )
        else:
            Delivery.objects.filter(pk=pk).update(
                status=Delivery.Status.SENT, attempts=delivery.attempts + 1, sent_at=timezone.now()
            )
            sent += 1
    return sent


def _claimable(now):
    from django.db.models import Q

    return Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)


@transaction.atomic
def mark_read(user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
