"""My household (我家) in the residents' app: the people, vehicles and pets of the chosen room, the
tenant's goods passes waiting for the owner, the lease waiting for the owner's consent, a goods
pass request and the renovation application with its progress. Thin: the writes are estate's,
registrations', frontdesk's and renovation's own services; who may is their rules'."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.pages import run_service
from core.qr import qr_data_uri
from estate import rules as estate_rules
from estate import services as estate
from estate.choices import PetKind, Relation
from estate.models import Occupancy
from estate.selectors import visible_pets, visible_vehicles
from frontdesk.choices import PassState
from frontdesk.forms import GoodsPassForm
from frontdesk.selectors import visible_goods_passes
from frontdesk.services import goods_pass_apply, goods_pass_confirm
from portal import selectors
from portal.views import resident_page
from registrations.choices import LeaseState
from registrations.models import Lease
from registrations.services import lease_move_out, owner_confirm_in_app
from renovation import rules as renovation_rules
from renovation.choices import Action as RenovationAction
from renovation.choices import InspectionResult
from renovation.forms import ApplicationForm
from renovation.selectors import timeline as renovation_timeline
from renovation.selectors import visible_renovations
from renovation.services import renovation_apply

ADD_RELATIONS = [(Relation.FAMILY, Relation.FAMILY.label), (Relation.EMERGENCY, Relation.EMERGENCY.label)]


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("手机号（可不填）"), max_length=20, required=False)
    relation = forms.ChoiceField(label=gettext_lazy("关系"), choices=ADD_RELATIONS, initial=Relation.FAMILY)


class VehicleForm(forms.Form):
    plate = forms.CharField(label=gettext_lazy("车牌号"), max_length=12)
    brand = forms.CharField(label=gettext_lazy("品牌型号（可不填）"), max_length=40, required=False)
    colour = forms.CharField(label=gettext_lazy("颜色（可不填）"), max_length=10, required=False)


class PetForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("种类"), choices=PetKind.choices)
    name = forms.CharField(label=gettext_lazy("名字（可不填）"), max_length=30, required=False)
    breed = forms.CharField(label=gettext_lazy("品种（可不填）"), max_length=30, required=False)
    licence = forms.CharField(label=gettext_lazy("犬证号（可不填）"), max_length=30, required=False)


def _page(request, status=200, **forms_):
    user, room = request.user, request.room
    waiting = selectors.to_confirm(user, room)
    owner = waiting["owner"]
    people = selectors.household(user, room)
    me = {rid for _rel, _start, rid in estate_rules.links_today(user, room.pk)}
    vehicles = list(visible_vehicles(user).filter(room=room, ended_on__isnull=True).order_by("-id"))
    pets = list(visible_pets(user).filter(room=room, gone_on__isnull=True).order_by("-id"))
    context = {
        "owner": owner,
        "may_add_things": estate_rules.may_add_things(user, room),
        # the owner may end anyone's link (their own too while another owner remains: the service says)
        "people": [(o, owner, o.resident_id in me) for o in people],
        "vehicles": [(v, estate_rules.may_end_vehicle(user, v)) for v in vehicles],
        "pets": [(p, estate_rules.may_end_pet(user, p)) for p in pets],
        "passes": waiting["passes"],
        "leases": waiting["leases"],
        "person_form": forms_.get("person_form") or PersonForm(prefix="p"),
        "vehicle_form": forms_.get("vehicle_form") or VehicleForm(prefix="v"),
        "pet_form": forms_.get("pet_form") or PetForm(prefix="a"),
    }
    return render(request, "portal/household.html", context, status=status)


@resident_page
def household(request):
    return _page(request)


@require_POST
@resident_page
def person_add(request):
    form = PersonForm(request.POST, prefix="p")
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            lambda: estate.resident_create(
                actor=request.user,
                room=request.room,
                data={"name": d["name"], "phone": d["phone"]},
                relation=d["relation"],
            ),
            form=form,
            success=lambda r: _("已添加 %(name)s。") % {"name": r.name},
        )
        if done.ok:
            return redirect("portal:household")
    return _page(request, status=400, person_form=form)


@require_POST
@resident_page
def person_end(request, pk):
    """The owner ends a person's link to the room today (a tenant's lease: its move-out)."""
    occupancy = Occupancy.objects.current().filter(room=request.room, pk=pk).select_related("room", "resident").first()
    if occupancy is None or occupancy.pk not in {o.pk for o in selectors.household(request.user, request.room)}:
        raise Http404
    lease = Lease.objects.filter(occupancy=occupancy, state=LeaseState.ACTIVE).first()
    today = timezone.localdate()
    if lease is not None:
        call = lambda: lease_move_out(actor=request.user, lease=lease, on=today)  # noqa: E731
    else:
        call = lambda: estate.occupancy_end(actor=request.user, occupancy=occupancy, end=today)  # noqa: E731
    run_service(request, call, success=_("%(name)s 已从家里的人中移出。") % {"name": occupancy.resident.name})
    return redirect("portal:household")


@require_POST
@resident_page
def lease_confirm(request, pk):
    lease = selectors.leases_to_confirm(request.user, request.room).filter(pk=pk).first()
    if lease is None:
        raise Http404
    run_service(
        request,
        lambda: owner_confirm_in_app(actor=request.user, lease=lease),
        success=_("已确认同意出租，物业会为租户办理入住。"),
    )
    return redirect("portal:household")


@require_POST
@resident_page
def vehicle_add(request):
    form = VehicleForm(request.POST, prefix="v")
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            lambda: estate.vehicle_add(
                actor=request.user, room=request.room, plate=d["plate"], brand=d["brand"], colour=d["colour"]
            ),
            form=form,
            success=lambda v: _("已登记车辆 %(plate)s。") % {"plate": v.plate},
        )
        if done.ok:
            return redirect("portal:household")
    return _page(request, status=400, vehicle_form=form)


@require_POST
@resident_page
def vehicle_end(request, pk):
    vehicle = (
        visible_vehicles(request.user).filter(room=request.room, ended_on__isnull=True, pk=pk).select_related("room")
    ).first()
    if vehicle is None:
        raise Http404
    run_service(
        request,
        lambda: estate.vehicle_end(actor=request.user, vehicle=vehicle),
        success=_("车辆 %(plate)s 已注销。") % {"plate": vehicle.plate},
    )
    return redirect("portal:household")


@require_POST
@resident_page
def pet_add(request):
    form = PetForm(request.POST, prefix="a")
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            lambda: estate.pet_add(actor=request.user, room=request.room, **d),
            form=form,
            success=_("已登记宠物。"),
        )
        if done.ok:
            return redirect("portal:household")
    return _page(request, status=400, pet_form=form)


@require_POST
@resident_page
def pet_end(request, pk):
    pet = visible_pets(request.user).filter(room=request.room, gone_on__isnull=True, pk=pk).select_related("room")
    pet = pet.first()
    if pet is None:
        raise Http404
    run_service(request, lambda: estate.pet_gone(actor=request.user, pet=pet), success=_("已登记宠物迁出。"))
    return redirect("portal:household")


@require_POST
@resident_page
def confirm_pass(request, pk):
    goods_pass = selectors.passes_to_confirm(request.user, request.room).filter(pk=pk).first()
    if goods_pass is None:
        raise Http404
    run_service(
        request,
        lambda: goods_pass_confirm(actor=request.user, goods_pass=goods_pass),
        success=_("已确认，租户可以凭放行码搬出物品。"),
    )
    return redirect("portal:household")


# ---------------------------------------------------------------- goods passes (搬出物品)


@resident_page
def passes(request):
    """Ask to move goods out (a tenant's request waits for the owner) and the room's passes."""
    user, room = request.user, request.room
    form = GoodsPassForm(request.POST or None, rooms=[room], prefix="g")
    form.fields["room"].widget = forms.HiddenInput()
    form.fields["room"].initial = room.pk
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            lambda: goods_pass_apply(actor=user, data=form.application()),
            form=form,
            success=lambda p: (
                (
                    _("已生效，放行码 %(code)s，%(day)s 当天有效。")
                    if p.state == PassState.AUTHORISED
                    else _("已提交，等业主在手机上同意后，这里会显示放行码。")
                )
                % {"code": p.code, "day": p.valid_on}
            ),
        )
        if done.ok:
            return redirect("portal:passes")
    mine = list(visible_goods_passes(user).filter(room=room).prefetch_related("items").order_by("-created_at")[:20])
    today = timezone.localdate()
    # a pass in force shows its code as a QR image too, for the gate's scanner (frontdesk gate page)
    passes = [(p, qr_data_uri(p.code) if p.state == PassState.AUTHORISED and p.valid_on >= today else "") for p in mine]
    return render(request, "portal/passes.html", {"form": form, "passes": passes}, status=400 if form.errors else 200)


# ---------------------------------------------------------------- renovation (装修)


def _renovations(request):
    return visible_renovations(request.user).filter(room=request.room)


@resident_page
def renovations(request):
    owner = request.room.pk in renovation_rules.owned_room_ids(request.user)
    rows = list(_renovations(request).order_by("-created_at")[:20])
    return render(request, "portal/renovations.html", {"rows": rows, "owner": owner})


@resident_page
def renovation_new(request):
    user, room = request.user, request.room
    if room.pk not in renovation_rules.owned_room_ids(user):
        return render(request, "portal/renovations.html", {"rows": [], "owner": False, "refused": True}, status=403)
    form = ApplicationForm(
        request.POST or None, request.FILES or None, user=user, rooms=[room], initial={"room": room.pk}
    )
    form.fields["room"].widget = forms.HiddenInput()
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            lambda: renovation_apply(
                actor=user, data=form.application(room_id=room.pk), drawings=form.cleaned_data.get("drawings") or []
            ),
            form=form,
            success=lambda r: _("已提交装修申请 %(number)s，物业审核后会通知您。") % {"number": r.number},
        )
        if done.ok:
            return redirect("portal:renovation", pk=done.result.pk)
    return render(request, "portal/renovation_new.html", {"form": form}, status=400 if form.errors else 200)


# the steps of a renovation in the owner's words (renovation.choices.Action)
STEP_WORDS = {
    RenovationAction.APPLY: gettext_lazy("提交申请"),
    RenovationAction.RESUBMIT: gettext_lazy("重新提交"),
    RenovationAction.ADD_DRAWINGS: gettext_lazy("补充图纸"),
    RenovationAction.APPROVE: gettext_lazy("审核通过"),
    RenovationAction.SEND_BACK: gettext_lazy("退回修改"),
    RenovationAction.REJECT: gettext_lazy("未通过"),
    RenovationAction.CANCEL: gettext_lazy("已取消"),
    RenovationAction.PAY: gettext_lazy("已缴费"),
    RenovationAction.ISSUE_PERMIT: gettext_lazy("已发装修许可证"),
    RenovationAction.INSPECT: gettext_lazy("物业巡查"),
    RenovationAction.ACCEPT: gettext_lazy("竣工验收"),
    RenovationAction.REFUND: gettext_lazy("押金已退"),
}


@resident_page
def renovation_page(request, pk):
    renovation = _renovations(request).filter(pk=pk).first()
    if renovation is None:
        raise Http404
    results = dict(InspectionResult.choices)
    steps = [
        {
            "at": ev.at,
            "text": STEP_WORDS[ev.action],
            "result": results.get((ev.data or {}).get("result"), ""),
            "violations": (ev.data or {}).get("violations") or [],
            "note": ev.note if ev.action != RenovationAction.APPLY else "",
        }
        for ev in renovation_timeline(renovation)
        if ev.action in STEP_WORDS
    ]
    return render(request, "portal/renovation.html", {"renovation": renovation, "steps": steps})
