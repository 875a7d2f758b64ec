"""Notifications: an in-app inbox for staff, plus outside channels (email now; SMS or WeChat
later) behind one small interface, so the rules that decide WHO is told never change when a new
way of telling them is added.

A channel is a class with a `name` and `send(notification)`; `PROPDESK_NOTIFICATION_CHANNELS`
lists the dotted paths of the outside channels in use. `notify()` writes the inbox row and one
`Delivery` per outside channel in the caller's transaction (an outbox: nothing is lost if the
process dies); `send_pending()` claims each delivery with a compare-and-swap and sends it.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import Delivery, Notification, User

log = logging.getLogger("propdesk.notify")

STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 5  # the default of settings.PROPDESK_NOTIFY_MAX_ATTEMPTS


def max_attempts() -> int:
    return int(getattr(settings, "PROPDESK_NOTIFY_MAX_ATTEMPTS", MAX_ATTEMPTS))


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: base, 2x, 4x ... capped (1 min .. 1 h)."""
    base = int(getattr(settings, "PROPDESK_NOTIFY_RETRY_BASE", 60))
    cap = int(getattr(settings, "PROPDESK_NOTIFY_RETRY_CAP", 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


class Channel:
    """An outside way of telling someone. `address(user)` is where it would reach them ('' when it
    cannot); `send(delivery)` sends one outbox row or raises."""

    name = "base"

    def address(self, user) -> str:
        return ""

    def wants(self, user) -> bool:
        return bool(self.address(user))

    def send(self, delivery: Delivery) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    """Django's mail backend: files by default, SMTP when EMAIL_BACKEND/EMAIL_HOST say so."""

    name = "email"

    def address(self, user) -> str:
        return user.email or ""

    def send(self, delivery: Delivery) -> None:
        note = delivery.notification
        body = delivery.text if delivery.text or note is None else note.body
        url = delivery.payload.get("url") or (note.url if note else "")
        if url:
            body = f"{body}\n\n{settings.PROPDESK_BASE_URL.rstrip('/')}{url}"
        subject = delivery.subject or (note.title if note else "")
        recipient = delivery.recipient or (note.user.email if note else "")
        send_mail(
            subject=f"[PropDesk] {subject}",
            message=body,
            from_email=None,
            recipient_list=[recipient],
            fail_silently=False,
        )


class SmsChannel(Channel):
    """SMS through the provider in settings.PROPDESK_SMS_BACKEND (core/notify_providers.py)."""

    name = "sms"

    def address(self, user) -> str:
        return user.phone or ""

    def send(self, delivery: Delivery) -> None:
        sms_backend().send(
            delivery.recipient,
            delivery.text,
            template=delivery.payload.get("template", ""),
            params=delivery.payload.get("params") or {},
        )


class WeChatChannel(Channel):
    """WeChat official-account template messages (core/notify_providers.py); the address is the
    user's openid (`wechat_openid`, when the user model has one)."""

    name = "wechat"

    def address(self, user) -> str:
        return getattr(user, "wechat_openid", "") or ""

    def send(self, delivery: Delivery) -> None:
        url = delivery.payload.get("url", "")
        wechat_backend().send(
            delivery.recipient,
            template=delivery.payload.get("template", ""),
            data=delivery.payload.get("data") or {"first": delivery.subject, "remark": delivery.text},
            url=f"{settings.PROPDESK_BASE_URL.rstrip('/')}{url}" if url else "",
        )


def sms_backend():
    return import_string(getattr(settings, "PROPDESK_SMS_BACKEND", "core.notify_providers.RecordingSms"))()


def wechat_backend():
    return import_string(getattr(settings, "PROPDESK_WECHAT_BACKEND", "core.notify_providers.RecordingWeChat"))()


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
    rows = []
    for n in notes:
        wanted = preferred_channels(n.user, "general")
        for c in outside:
            if (c.name in KNOWN_CHANNELS and c.name not in wanted) or not c.wants(n.user):
                continue
            rows.append(
                Delivery(
                    notification=n,
                    user=n.user,
                    channel=c.name,
                    recipient=c.address(n.user)[:200],
                    subject=n.title,
                    text=f"{n.title} {n.body}".strip() if c.name == "sms" else n.body,
                    payload={"url": n.url} if n.url else {},
                )
            )
    Delivery.objects.bulk_create(rows, batch_size=1000)
    return notes


def send_sms(
    phone: str, text: str, *, template: str = "", params: dict | None = None, sensitive: bool = False
) -> Delivery:
    """Send one SMS to a phone number that need not belong to a user (sign-in codes): an outbox
    row written in the caller's transaction and tried as soon as it commits; failures are retried
    by the worker like any delivery. `template`/`params` are the provider's template code and
    variables (Chinese providers send only approved templates); `text` is what the development
    backend records and what a template-less provider sends. `sensitive` (a code) blanks the text
    once a real provider has sent it."""
    from core.phone import normalize_phone

    number = normalize_phone(phone) or phone
    payload = {"template": template, "params": params or {}}
    if sensitive:
        payload["sensitive"] = True
    delivery = Delivery.objects.create(channel="sms", recipient=number, text=text, payload=payload)
    transaction.on_commit(lambda: send_pending(only=[delivery.pk], channels_override={"sms": SmsChannel()}))
    return delivery


def last_sms(phone: str) -> str:
    """The text of the last SMS queued for a phone (development and tests read sign-in codes here)."""
    from core.phone import normalize_phone

    row = Delivery.objects.filter(channel="sms", recipient=normalize_phone(phone) or phone).order_by("-pk").first()
    return row.text if row else ""


def _due(now) -> Q:
    waiting = Q(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return waiting | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)


def claim(now, limit: int, only=None) -> tuple[str, list[Delivery]]:
    """Claim up to `limit` due deliveries for this worker: rows locked by another worker are
    skipped (PostgreSQL SKIP LOCKED), and the UPDATE re-checks that each row is still due, so two
    workers never hold the same row; a claim older than STALE_CLAIM (a killed worker) is taken over."""
    token = uuid.uuid4().hex
    qs = Delivery.objects.filter(_due(now))
    if only is not None:
        qs = qs.filter(pk__in=only)
    with transaction.atomic():
        ids = qs.order_by("pk").values_list("pk", flat=True)
        if connection.features.has_select_for_update_skip_locked:
            ids = ids.select_for_update(skip_locked=True)
        pks = list(ids[:limit])
        if not pks:
            return token, []
        Delivery.objects.filter(pk__in=pks).filter(_due(now)).update(
            status=Delivery.Status.SENDING, claimed_at=now, claim=token
        )
    return token, list(Delivery.objects.filter(claim=token).select_related("notification__user").order_by("pk"))


def send_pending(limit: int = 200, *, now=None, only=None, channels_override=None) -> int:
    """Send what is due in the outbox; returns how many went. A failure is retried after
    `backoff(attempts)`; after `max_attempts()` the delivery is dead (a supervisor can retry it)."""
    available = channels_override or channels()
    now = now or timezone.now()
    token, rows = claim(now, limit, only)
    sent = 0
    for delivery in rows:
        channel = available.get(delivery.channel)
        mine = Delivery.objects.filter(pk=delivery.pk, claim=token)
        attempts = delivery.attempts + 1
        try:
            if channel is None:
                raise LookupError(f"channel {delivery.channel} is not configured")
            channel.send(delivery)
        except Exception as exc:  # a channel's failure must not stop the others
            dead = attempts >= max_attempts()
            mine.update(
                status=Delivery.Status.DEAD if dead else Delivery.Status.FAILED,
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:300],
                next_attempt_at=None if dead else now + backoff(attempts),
                claim="",
            )
            log.warning("delivery %s via %s failed (attempt %s): %s", delivery.pk, delivery.channel, attempts, exc)
        else:
            changes = {"status": Delivery.Status.SENT, "attempts": attempts, "sent_at": timezone.now(), "claim": ""}
            if delivery.payload.get("sensitive") and not getattr(channel, "records", False):
                changes["text"] = ""
            mine.update(**changes)
            sent += 1
    return sent


@transaction.atomic
def delivery_retry(*, actor, ids) -> int:
    """A supervisor sends dead (or failed) deliveries again: attempts start over, due now."""
    from django.utils.translation import gettext as _

    from core.audit import audit_record
    from core.errors import ActionRefused

    if not may_see_deliveries(actor):
        raise ActionRefused(_("只有主管可以重发失败的消息。"))
    # the visible rows by id, then locked on their own: PostgreSQL locks no row on the nullable side
    # of the visibility's outer joins (FOR UPDATE refused there)
    visible = deliveries_visible(actor).filter(pk__in=ids, status__in=[Delivery.Status.DEAD, Delivery.Status.FAILED])
    rows = list(Delivery.objects.filter(pk__in=visible.values("pk")).select_for_update().order_by("pk"))
    for row in rows:
        audit_record(actor=actor, obj=row, action="retry", changes={"status": [row.status, "pending"]})
    return Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None, claim=""
    )


def deliveries_visible(user):
    """The delivery log a supervisor may see: messages to the people of their projects (staff
    assigned to them, residents living in them); the company's administrator: the whole company;
    a superuser: all, including SMS to bare phone numbers such as sign-in codes."""
    from django.apps import apps

    from core.choices import Role

    qs = Delivery.objects.all()
    if user.is_superuser:
        return qs
    if user.role == Role.COMPANY_ADMIN:
        return qs.filter(Q(user__company_id=user.company_id) | Q(notification__user__company_id=user.company_id))
    # core imports no app above it: the estate's occupancies are read by name
    occupancy = apps.get_model("estate", "Occupancy")
    project_ids = user.project_ids()
    people = User.objects.filter(
        Q(projects__in=project_ids)
        | Q(pk__in=occupancy.objects.filter(room__project_id__in=project_ids).values("resident__user_id"))
    ).values("pk")
    return qs.filter(Q(user__in=people) | Q(notification__user__in=people))


def may_see_deliveries(user) -> bool:
    from core.choices import SUPERVISING_ROLES

    return bool(user.is_authenticated and (user.is_superuser or user.role in SUPERVISING_ROLES))


@transaction.atomic
def mark_read(user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def masked_recipient(delivery: Delivery) -> str:
    """The recipient as lists show it: a phone as 138****5678, an email as c***@example.cn."""
    from core.phone import mask_phone

    value = delivery.recipient
    if "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    if value.isdigit():
        return mask_phone(value)
    return f"***{value[-4:]}" if len(value) > 4 else value


# ------------------------------------------------------------------ events, templates, preferences

KNOWN_CHANNELS = frozenset({"inapp", "email", "sms", "wechat"})  # what preferences choose among
URGENT_EVENTS = frozenset({"visitor_at_gate"})  # someone is waiting: never held for quiet hours
DEFAULT_QUIET = ("22:00", "08:00")


# A resident's channels for an event they have not chosen for, where it is not in-app and SMS: an
# announcement to a whole estate goes by SMS only to those who ask (a message per home costs money).
RESIDENT_DEFAULTS = {"announcement_published": frozenset({"inapp", "wechat"})}


def default_channels(user, event: str = "") -> set[str]:
    """Residents: in-app and SMS (announcements: in-app and WeChat); staff: in-app (plus email,
    as before, for the general kind)."""
    if user.is_resident:
        return set(RESIDENT_DEFAULTS.get(event, {"inapp", "sms"}))
    return {"inapp"}


def preferred_channels(user, event: str) -> set[str]:
    profile = _profile(user)
    chosen = profile.channels.get(event) if profile else None
    if chosen is None and event == "general":
        return {"inapp", "sms"} if user.is_resident else {"inapp", "email"}
    return set(chosen) if chosen is not None else default_channels(user, event)


def _profile(user):
    from core.models import NotificationProfile

    cached = getattr(user, "_notification_profile", False)
    if cached is False:
        cached = NotificationProfile.objects.filter(user=user).first()
        user._notification_profile = cached
    return cached


def quiet_until(user, now):
    """When a non-urgent outside message to `user` may go: None now, else the end of quiet hours
    (local time, settings.TIME_ZONE)."""
    from datetime import datetime, time

    profile = _profile(user)
    start = profile.quiet_start if profile and profile.quiet_start else time.fromisoformat(DEFAULT_QUIET[0])
    end = profile.quiet_end if profile and profile.quiet_end else time.fromisoformat(DEFAULT_QUIET[1])
    if start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def language_of(user) -> str:
    return getattr(user, "language", "") or "zh-hans"


def render(event: str, channel: str, language: str, context: dict, templates=None) -> tuple[str, str, str]:
    """(subject, body, provider template code) of an event for a channel, from the administrators'
    templates: the recipient's language, else Chinese; the channel's own text, else the in-app one.
    Plain text throughout (autoescape off): HTML is escaped where it is shown, JSON by json.dumps.
    `templates`: the event's rows by (channel, language), when the caller read them already."""
    from django.template import Context, Template

    found = templates if templates is not None else _templates(event)
    t = next(
        (
            found[k]
            for k in ((channel, language), (channel, "zh-hans"), ("inapp", language), ("inapp", "zh-hans"))
            if k in found
        ),
        None,
    )
    if t is None:
        return event, "", ""
    ctx = Context(context, autoescape=False)
    return Template(t.subject).render(ctx).strip(), Template(t.body).render(ctx).strip(), t.provider_template


def _templates(event: str) -> dict:
    from core.models import NotificationTemplate

    return {(t.channel, t.language): t for t in NotificationTemplate.objects.filter(event=event)}


def notify_event(users, event: str, context: dict, *, url: str = "", urgent: bool | None = None) -> int:
    """Tell people about an event through the channels each prefers, in their language, from the
    event's templates. Outside messages are outbox rows (sent by the worker); non-urgent ones wait
    for the end of the recipient's quiet hours. Returns the number of outside deliveries queued."""
    return notify_events(event, [(users, context, url)], urgent=urgent)


def notify_events(event: str, items, *, urgent: bool | None = None) -> int:
    """notify_event for many messages of one event at once, each `(users, context, url)` (a billing
    run: one per room, with its own amount): the templates read and compiled once, everyone's
    preferences read in one query, all rows written in two bulk INSERTs. A person listed twice in
    one message is told once."""
    urgent = event in URGENT_EVENTS if urgent is None else urgent
    from core.models import NotificationProfile

    outside = channels()
    now = timezone.now()
    templates = _templates(event)
    items = [([u for u in users if u is not None], context, url) for users, context, url in items]
    ids = {u.pk for users, _c, _u in items for u in users}
    profiles = {p.user_id: p for p in NotificationProfile.objects.filter(user__in=list(ids))} if ids else {}
    compiled: dict = {}  # (channel, language) -> compiled templates: parsed once, not per person
    notes, rows = [], []
    for users, context, url in items:
        rendered: dict = {}  # (channel, language) -> texts: one render per combination and message
        seen = set()
        for user in users:
            user._notification_profile = profiles.get(user.pk)
            if user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            wanted = preferred_channels(user, event)
            language = language_of(user)
            if "inapp" in wanted:
                subject, body, _code = _cached(rendered, event, "inapp", language, context, templates, compiled)
                notes.append(Notification(user=user, title=subject[:200], body=body, url=url))
            later = None if urgent else quiet_until(user, now)
            for name in sorted(wanted - {"inapp"}):
                channel = outside.get(name)
                address = channel.address(user) if channel else ""
                if not address:
                    continue
                subject, body, code = _cached(rendered, event, name, language, context, templates, compiled)
                payload = {"event": event, "template": code, "params": {k: str(v) for k, v in context.items()}}
                if url:
                    payload["url"] = url
                if name == "wechat":
                    payload["data"] = {"first": subject, "remark": body}
                rows.append(
                    Delivery(
                        user=user,
                        channel=name,
                        recipient=address[:200],
                        subject=subject[:200],
                        text=body,
                        payload=payload,
                        next_attempt_at=later,
                    )
                )
    Notification.objects.bulk_create(notes, batch_size=1000)
    Delivery.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _cached(rendered: dict, event, channel, language, context, templates, compiled=None):
    key = (channel, language)
    if key not in rendered:
        if compiled is None:
            rendered[key] = render(event, channel, language, context, templates)
        else:
            rendered[key] = _render_compiled(compiled, event, channel, language, context, templates)
    return rendered[key]


def _render_compiled(compiled: dict, event, channel, language, context, templates):
    """render(), with the chosen template parsed once per (channel, language) and kept in `compiled`."""
    from django.template import Context, Template

    key = (channel, language)
    if key not in compiled:
        t = next(
            (
                templates[k]
                for k in ((channel, language), (channel, "zh-hans"), ("inapp", language), ("inapp", "zh-hans"))
                if k in templates
            ),
            None,
        )
        compiled[key] = None if t is None else (Template(t.subject), Template(t.body), t.provider_template)
    found = compiled[key]
    if found is None:
        return event, "", ""
    ctx = Context(context, autoescape=False)
    return found[0].render(ctx).strip(), found[1].render(ctx).strip(), found[2]


def notification_profile_update(*, actor, channels: dict, quiet_start=None, quiet_end=None):
    """A person's own choices: for each event named in `channels`, the channels they want (a subset
    of KNOWN_CHANNELS; an empty list is "tell me nowhere"); events not named keep their choice.
    Quiet hours are both set or both empty. Audited."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from core.audit import audit_record
    from core.models import NotificationProfile

    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError({"quiet_end": [_("免打扰时段请同时填写开始和结束时间。")]})
    clean = {}
    for event, wanted in channels.items():
        unknown = set(wanted) - KNOWN_CHANNELS
        if unknown or not isinstance(event, str) or not event or len(event) > 40:
            raise ValidationError(_("不认识的通知方式。"))
        clean[event] = sorted(set(wanted))
    with transaction.atomic():
        profile, _created = NotificationProfile.objects.select_for_update().get_or_create(user=actor)
        before = {"channels": dict(profile.channels), "quiet": [str(profile.quiet_start), str(profile.quiet_end)]}
        profile.channels = {**profile.channels, **clean}
        profile.quiet_start, profile.quiet_end = quiet_start, quiet_end
        profile.save(update_fields=["channels", "quiet_start", "quiet_end"])
        actor._notification_profile = profile
        audit_record(
            actor=actor,
            obj=profile,
            action="notify_prefs",
            changes={"before": before, "channels": clean, "quiet": [str(quiet_start), str(quiet_end)]},
        )
    return profile
