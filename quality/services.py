"""Writes of the quality app: the daily sign-off."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from core.models import Project
from quality import rules, selectors
from quality.models import DailyCloseout


def _already(existing: DailyCloseout) -> ActionRefused:
    return ActionRefused(
        _("%(date)s 已由 %(name)s 于 %(at)s 签字结清，不能再次签字。")
        % {
            "date": existing.date.isoformat(),
            "name": existing.signed_by.name,
            "at": timezone.localtime(existing.signed_at).strftime("%Y-%m-%d %H:%M"),
        }
    )


def closeout_sign(*, actor, project: Project, day: date, comment: str = "") -> DailyCloseout:
    """Sign off a project's day: freeze what the page shows now. Once per project and day; the
    unique constraint settles two sign-offs at the same moment (the checks before it only read,
    so the insert is the one write, in its own transaction)."""
    if not rules.may_sign_closeout(actor) or project.pk not in actor.project_ids():
        raise ActionRefused(_("只有本项目的客服主管、客服经理、项目经理可以签字结清。"))
    if day > timezone.localdate():
        raise ActionRefused(_("还没到这一天，不能结清。"))
    existing = selectors.signed_closeout(project.pk, day)
    if existing is not None:
        raise _already(existing)
    data = selectors.closeout_data(project, day)
    comment = (comment or "").strip()
    if data["overdue"]["count"] and not comment:
        raise ValidationError(
            {"comment": [_("有 %(n)s 张工单超时，请说明原因和跟进安排后再签字。") % {"n": data["overdue"]["count"]}]}
        )
    try:
        with transaction.atomic():
            return DailyCloseout.objects.create(
                project=project,
                date=day,
                signed_by=actor,
                signed_at=timezone.now(),
                comment=comment,
                snapshot=data,
            )
    except IntegrityError:
        existing = selectors.signed_closeout(project.pk, day)
        if existing is not None:
            raise _already(existing) from None
        raise ActionRefused(_("这一天刚被其他人签字结清，不能再次签字。")) from None
