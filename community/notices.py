"""Residents told of a published announcement ("announcement_published", core/notify.py): every
account living in its audience now, in bulk, from the task queue once the publishing commits, so
that an announcement to 10,000 homes never holds up the page that published it.

Each announcement is told once: the task claims it by setting `notified_at` in the transaction that
writes the messages, so a second run (a retry, two workers) finds it told and does nothing. A
worker killed half way rolls the whole thing back; the per-minute sweep (`tell_untold`) queues
announcements published more than two minutes ago and still untold."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community.choices import NoticeState
from community.models import Announcement
from community.selectors import audience_user_ids
from core.models import User
from core.notify import notify_events

EVENT = "announcement_published"
SWEEP_AFTER = timedelta(minutes=2)


def announcement_tell(announcement_id: int) -> int:
    """Tell the audience of a published announcement, once. Returns how many people were told."""
    with transaction.atomic():
        notice = (
            Announcement.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=announcement_id, state=NoticeState.PUBLISHED, notified_at__isnull=True)
            .first()
        )
        if notice is None:  # told already, withdrawn, or not published
            return 0
        people = list(User.objects.filter(is_active=True, pk__in=audience_user_ids(notice)))
        context = {"title": notice.title, "project": notice.project.name}
        notify_events(EVENT, [(people, context, reverse("portal:notice", args=[notice.pk]))])
        Announcement.objects.filter(pk=notice.pk).update(notified_at=timezone.now())
        return len(people)


def queue_tell(announcement_id: int) -> None:
    """After the publishing commits: the task tells the audience (community/tasks.py)."""
    from community.tasks import tell_announcement

    transaction.on_commit(lambda: tell_announcement(announcement_id), robust=True)


def tell_untold(now=None) -> int:
    """Queue again what a dead worker left untold. Returns how many were queued."""
    now = now or timezone.now()
    untold = list(
        Announcement.objects.filter(
            state=NoticeState.PUBLISHED, notified_at__isnull=True, published_at__lte=now - SWEEP_AFTER
        ).values_list("pk", flat=True)[:100]
    )
    from community.tasks import tell_announcement

    for pk in untold:
        tell_announcement(pk)
    return len(untold)
