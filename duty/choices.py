"""Codes of the duty desk: log categories, roster and swap states, handover states and answers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import DESK_ROLES, SUPERVISING_ROLES, Role

# Who keeps the desk's duty: may write the log, lend keys, start and receive a handover.
DUTY_ROLES = frozenset(DESK_ROLES)
# Who plans the roster, approves swaps and sets up shifts, keys and countable things.
ROSTER_EDIT_ROLES = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})
# Who may read the duty pages of a project (the roster, the log, handovers, keys).
DUTY_VIEW_ROLES = frozenset(DESK_ROLES | SUPERVISING_ROLES)
# Who may be put on the roster: the desk's people and the departments' (technicians, guards,
# cleaners and their leads), so that dispatch knows who of a department is on duty now
# (desk/roster.py reads today's shifts; desk/dispatch.py prefers the least loaded on duty).
# Keeping the desk's duty (log, keys, handovers) stays with DUTY_ROLES.
ROSTERABLE_ROLES = frozenset(DESK_ROLES | {Role.WORKER, Role.DEPT_LEAD})


class LogCategory(models.TextChoices):
    PATROL = "patrol", _("巡查")
    VISIT = "visit", _("来访")
    CALL = "call", _("来电")
    REPAIR = "repair", _("报修")
    EMERGENCY = "emergency", _("突发")
    KEYS = "keys", _("钥匙")
    OTHER = "other", _("其他")


LOG_COLOUR = {
    LogCategory.PATROL: "info",
    LogCategory.VISIT: "secondary",
    LogCategory.CALL: "primary",
    LogCategory.REPAIR: "warning",
    LogCategory.EMERGENCY: "danger",
    LogCategory.KEYS: "dark",
    LogCategory.OTHER: "light",
}


class AssignmentState(models.IntegerChoices):
    ACTIVE = 10, _("在岗安排")
    SWAPPED = 20, _("已调班")
    REMOVED = 30, _("已撤销")


class SwapState(models.IntegerChoices):
    PENDING = 10, _("待审批")
    APPROVED = 20, _("已批准")
    REJECTED = 30, _("已驳回")
    WITHDRAWN = 40, _("已撤回")


SWAP_COLOUR = {
    SwapState.PENDING: "warning",
    SwapState.APPROVED: "success",
    SwapState.REJECTED: "danger",
    SwapState.WITHDRAWN: "secondary",
}


class HandoverState(models.IntegerChoices):
    DRAFT = 10, _("交班中")
    OUTGOING_SIGNED = 20, _("交班人已签字")
    COMPLETED = 30, _("已完成")
    CANCELLED = 90, _("已作废")


HANDOVER_COLOUR = {
    HandoverState.DRAFT: "warning",
    HandoverState.OUTGOING_SIGNED: "info",
    HandoverState.COMPLETED: "success",
    HandoverState.CANCELLED: "secondary",
}
OPEN_HANDOVER_STATES = (HandoverState.DRAFT, HandoverState.OUTGOING_SIGNED)


class ItemAnswer(models.IntegerChoices):
    PENDING = 0, _("待确认")
    ACKNOWLEDGED = 10, _("已确认")
    REFUSED = 20, _("拒收")


ANSWER_COLOUR = {ItemAnswer.PENDING: "warning", ItemAnswer.ACKNOWLEDGED: "success", ItemAnswer.REFUSED: "danger"}
