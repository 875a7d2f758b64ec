"""Developer handover acceptance (接管验收): open, items, sign, cancel."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import ActionRefused
from estate.models import Building
from registrations import rules
from registrations.choices import CHECKED_SECTIONS, COUNTED_SECTIONS, HandoverState, Result, Section
from registrations.models import Handover, HandoverItem
from registrations.services._common import Errors, _acquire, _cancel, _event, _may, _text


@transaction.atomic
def handover_open(
    *,
    actor,
    project,
    building: Building | None = None,
    developer: str,
    developer_contact: str = "",
    accepted_on: date | None = None,
    note: str = "",
) -> Handover:
    _may(actor, project.pk)
    errors = Errors()
    developer = _text(developer, "developer", errors, required_msg=_("请填写移交单位。"), limit=100)
    contact = _text(developer_contact, "developer_contact", errors, limit=50)
    if building is not None and building.project_id != project.pk:
        errors.add("building", _("楼栋不属于这个项目。"))
    if accepted_on is None:
        errors.add("accepted_on", _("请填写验收日期。"))
    errors.raise_if_any()
    now = timezone.now()
    handover = Handover.objects.create(
        project=project,
        building=building,
        developer=developer,
        developer_contact=contact,
        accepted_on=accepted_on,
        note=(note or "").strip(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    scope = str(building) if building else _("全项目")
    _event(
        handover,
        actor,
        "open",
        _("登记接管验收：%(developer)s 移交 %(scope)s") % {"developer": developer, "scope": scope},
        handover.note,
    )
    return handover


def _open_handover(actor, handover) -> Handover:
    return _acquire(Handover, actor, handover, {HandoverState.OPEN}, _("接管验收当前状态为“%(state)s”，不能再修改。"))


@transaction.atomic
def handover_add_item(
    *, actor, handover, section: str, name: str, result: str = "", quantity: int | None = None, note: str = ""
) -> HandoverItem:
    handover = _open_handover(actor, handover)
    errors = Errors()
    if section not in Section.values:
        errors.add("section", _("请选择类别。"))
    name = _text(name, "name", errors, required_msg=_("请填写项目名称。"), limit=100)
    note = _text(note, "note", errors, limit=200)
    if section in CHECKED_SECTIONS:
        if result not in Result.values:
            errors.add("result", _("房屋本体和设施设备须填写验收结果。"))
        quantity = None
    elif section in COUNTED_SECTIONS:
        if quantity is None or quantity < 0:
            errors.add("quantity", _("钥匙和资料须填写接收数量。"))
        result = ""
    errors.raise_if_any()
    item = HandoverItem.objects.create(
        handover=handover, section=section, name=name, result=result, quantity=quantity, note=note, recorded_by=actor
    )
    if section in CHECKED_SECTIONS:
        text = _("%(section)s · %(name)s：%(result)s") % {
            "section": item.get_section_display(),
            "name": name,
            "result": item.get_result_display(),
        }
    else:
        text = _("%(section)s · %(name)s：接收 %(n)s") % {
            "section": item.get_section_display(),
            "name": name,
            "n": quantity,
        }
    _event(handover, actor, "item", text, note)
    return item


def handover_missing(handover) -> list[str]:
    items = list(handover.items.all())
    missing = []
    if not any(i.section in CHECKED_SECTIONS for i in items):
        missing.append(_("尚未记录房屋本体或设施设备的验收结果"))
    if not any(i.section in COUNTED_SECTIONS for i in items):
        missing.append(_("尚未记录钥匙或资料的接收数量"))
    defects = sum(1 for i in items if i.result == Result.DEFECT)
    if defects and not handover.defects.exists():
        missing.append(_("有 %(n)s 项验收结果为缺陷，请列出遗留缺陷") % {"n": defects})
    return missing


@transaction.atomic
def handover_sign(*, actor, handover, note: str = "") -> Handover:
    """The project manager signs the acceptance off; afterwards it cannot change."""
    if not rules.may_sign_handover(actor, handover.project_id):
        raise ActionRefused(_("接管验收须由项目经理签字确认。"))
    handover = _open_handover(actor, handover)
    missing = handover_missing(handover)
    if missing:
        raise ActionRefused(_("还不能签字：%(items)s。") % {"items": pgettext("list separator", "、").join(missing)})
    handover.state, handover.signed_at, handover.signed_by = HandoverState.SIGNED, timezone.now(), actor
    handover.sign_note = (note or "").strip()
    handover.save(update_fields=["state", "signed_at", "signed_by", "sign_note"])
    _event(handover, actor, "sign", _("项目经理签字确认接管"), handover.sign_note)
    return handover


@transaction.atomic
def handover_cancel(*, actor, handover, reason: str = "") -> Handover:
    handover = _open_handover(actor, handover)
    return _cancel(handover, actor, reason, HandoverState.CANCELLED, _("取消接管验收"))
