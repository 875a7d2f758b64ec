"""Codes of the service desk: kinds, channels, severities and the lifecycle's states.

States have gaps (10, 20, ...) so later states can slot in; each has a label, a colour and groups.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    REPAIR = "repair", _("报修")
    ENQUIRY = "enquiry", _("咨询")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


# Number prefixes: pinyin initials of the kind (投诉 TS, 报修 BX, 咨询 ZX, 建议 JY, 表扬 BY).
KIND_PREFIX = {
    Kind.COMPLAINT: "TS",
    Kind.REPAIR: "BX",
    Kind.ENQUIRY: "ZX",
    Kind.SUGGESTION: "JY",
    Kind.PRAISE: "BY",
}
# Kinds the desk can answer itself, without dispatching anyone.
DESK_HANDLED_KINDS = frozenset({Kind.ENQUIRY, Kind.SUGGESTION, Kind.PRAISE})


class Channel(models.TextChoices):
    PHONE = "phone", _("来电")
    WALK_IN = "walk_in", _("来访")
    LETTER = "letter", _("来函")
    PORTAL = "portal", _("业主端")
    PATROL = "patrol", _("巡检发现")
    HOTLINE = "hotline", _("12345热线")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("重大")
    URGENT = "urgent", _("紧急")


SEVERITY_COLOUR = {Severity.GENERAL: "secondary", Severity.MAJOR: "warning", Severity.URGENT: "danger"}


class Validity(models.TextChoices):
    VALID = "valid", _("有效投诉")
    INVALID = "invalid", _("无效投诉")


class Rating(models.TextChoices):
    SATISFIED = "A", _("满意")
    FAIRLY = "B", _("基本满意")
    UNSATISFIED = "C", _("不满意")


class State(models.IntegerChoices):
    REGISTERED = 10, _("已登记")
    DISPATCHED = 20, _("已派单")
    ACCEPTED = 30, _("已接单")
    IN_PROGRESS = 40, _("处理中")
    PAUSED = 45, _("已暂停")
    RESOLVED = 50, _("已完成")
    REPLIED = 60, _("已回复")
    VISITED = 70, _("已回访")
    CLOSED = 80, _("已结案")
    CANCELLED = 90, _("已取消")


STATE_COLOUR = {
    State.REGISTERED: "primary",
    State.DISPATCHED: "info",
    State.ACCEPTED: "info",
    State.IN_PROGRESS: "warning",
    State.PAUSED: "secondary",
    State.RESOLVED: "success",
    State.REPLIED: "success",
    State.VISITED: "success",
    State.CLOSED: "dark",
    State.CANCELLED: "light",
}

OPEN_STATES = (
    State.REGISTERED,
    State.DISPATCHED,
    State.ACCEPTED,
    State.IN_PROGRESS,
    State.PAUSED,
    State.RESOLVED,
    State.REPLIED,
    State.VISITED,
)
# Resolved or replied to, owing a return visit (the desk's "待回访" queue and the visits page).
VISIT_STATES = (State.RESOLVED, State.REPLIED)
# Work not yet done by the implementer.
WORK_STATES = (State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS, State.PAUSED)
FINAL_STATES = (State.CLOSED, State.CANCELLED)


class Action(models.TextChoices):
    REGISTER = "register", _("登记")
    DISPATCH = "dispatch", _("派单")
    ACCEPT = "accept", _("接单")
    RETURN = "return", _("退单")
    TRANSFER = "transfer", _("转单")
    ARRIVE = "arrive", _("到场处理")
    PAUSE = "pause", _("暂停")
    RESUME = "resume", _("恢复")
    RESOLVE = "resolve", _("完成")
    REPLY = "reply", _("回复业户")
    VISIT = "visit", _("回访")
    CLOSE = "close", _("结案")
    CANCEL = "cancel", _("取消")
    REOPEN = "reopen", _("重新打开")
    ATTACH = "attach", _("上传附件")
    RECLASSIFY = "reclassify", _("调整分类/级别")
    VALIDITY = "validity", _("更改投诉性质")
    ESCALATE = "escalate", _("时限提醒/升级")
