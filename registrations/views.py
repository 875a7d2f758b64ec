"""The registration pages. Thin: reads from selectors, writes through services. One set of views
serves the four kinds, each described once in SPECS (model, forms, actions)."""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing.selectors import owed_fen
from core.access import requires
from core.ids import parse_id
from core.pages import run_service
from core.paging import keyset_page
from registrations import forms, rules, selectors, services
from registrations.choices import OPEN_STATES, STARTED, STATE_COLOUR, Kind, LeaseState, TransferState
from registrations.filters import FILTERS
from registrations.models import Handover, Lease, MoveIn, Transfer


@dataclass
class Action:
    label: str
    form: type
    run: object  # run(actor, record, cleaned_data)
    done: str = ""


@dataclass
class Spec:
    slug: str
    model: type
    open_form: type
    open: object  # open(actor, form) -> record
    actions: dict[str, Action] = field(default_factory=dict)


def _defect(record, cd):
    defect = selectors.defect_of(record, cd["defect"])
    if defect is None:
        raise ValidationError({"defect": [_("缺陷不存在。")]})
    return defect


def _defect_actions(parent: str) -> dict[str, Action]:
    """The two defect actions a move-in and a handover share; `parent` is the service keyword."""
    return {
        "defect": Action(
            gettext_lazy("记录缺陷"),
            forms.DefectForm,
            lambda a, r, cd: services.defect_add(
                actor=a, **{parent: r}, location=cd["location"], description=cd["description"]
            ),
        ),
        "repair": Action(
            gettext_lazy("转报修"),
            forms.DefectRepairForm,
            lambda a, r, cd: services.defect_to_repair(actor=a, defect=_defect(r, cd)),
        ),
    }


SPECS = {
    "moveins": Spec(
        slug="moveins",
        model=MoveIn,
        open_form=forms.MoveInOpenForm,
        open=lambda actor, f: services.movein_open(
            actor=actor,
            room=f.room,
            person_name=f.cleaned_data["person_name"],
            person_phone=f.cleaned_data["person_phone"],
            relation=f.cleaned_data["relation"],
            move_in_on=f.cleaned_data["move_in_on"],
            note=f.cleaned_data["note"],
        ),
        actions={
            "check": Action(
                gettext_lazy("核验资料"),
                forms.CheckForm,
                lambda a, r, cd: services.movein_check(
                    actor=a, movein=r, check_id=cd["check"], checked=cd["checked"], note=cd["note"]
                ),
            ),
            "fees": Action(
                gettext_lazy("登记预交费用"),
                forms.FeesForm,
                lambda a, r, cd: services.movein_note_fees(
                    actor=a, movein=r, amount=cd["amount"], months=cd["months"], receipt=cd["receipt"]
                ),
            ),
            "rules": Action(
                gettext_lazy("规约已签署"),
                forms.NoteForm,
                lambda a, r, cd: services.movein_sign_rules(actor=a, movein=r, note=cd["note"]),
            ),
            "key": Action(
                gettext_lazy("交付钥匙"),
                forms.KeyForm,
                lambda a, r, cd: services.movein_add_key(
                    actor=a, movein=r, kind=cd["kind"], count=cd["count"], receiver=cd["receiver"]
                ),
            ),
            "inspect": Action(
                gettext_lazy("验房完成"),
                forms.NoteForm,
                lambda a, r, cd: services.movein_inspect(actor=a, movein=r, note=cd["note"]),
            ),
            **_defect_actions("movein"),
            "complete": Action(
                gettext_lazy("办结入住"),
                forms.NoteForm,
                lambda a, r, cd: services.movein_complete(actor=a, movein=r, note=cd["note"]),
            ),
            "cancel": Action(
                gettext_lazy("取消登记"),
                forms.ReasonForm,
                lambda a, r, cd: services.movein_cancel(actor=a, movein=r, reason=cd["reason"]),
            ),
        },
    ),
    "leases": Spec(
        slug="leases",
        model=Lease,
        open_form=forms.LeaseOpenForm,
        open=lambda actor, f: services.lease_register(
            actor=actor,
            room=f.room,
            **{
                k: f.cleaned_data[k]
                for k in (
                    "tenant_name",
                    "id_type",
                    "id_number",
                    "tenant_phone",
                    "start",
                    "end",
                    "contract_no",
                    "emergency_name",
                    "emergency_phone",
                    "note",
                )
            },
        ),
        actions={
            "confirm": Action(
                gettext_lazy("登记业主确认"),
                forms.ConfirmForm,
                lambda a, r, cd: services.lease_confirm_owner(
                    actor=a,
                    lease=r,
                    owner_name=cd["owner_name"],
                    method=cd["method"],
                    confirmed_at=cd["confirmed_at"],
                    note=cd["note"],
                ),
            ),
            "activate": Action(
                gettext_lazy("租约生效"),
                forms.NoteForm,
                lambda a, r, cd: services.lease_activate(actor=a, lease=r, note=cd["note"]),
            ),
            "move_out": Action(
                gettext_lazy("办理退租"),
                forms.MoveOutForm,
                lambda a, r, cd: services.lease_move_out(
                    actor=a, lease=r, on=cd["on"], note=cd["note"], override_reason=cd["override_reason"]
                ),
            ),
            "cancel": Action(
                gettext_lazy("取消登记"),
                forms.ReasonForm,
                lambda a, r, cd: services.lease_cancel(actor=a, lease=r, reason=cd["reason"]),
            ),
        },
    ),
    "transfers": Spec(
        slug="transfers",
        model=Transfer,
        open_form=forms.TransferOpenForm,
        open=lambda actor, f: services.transfer_open(
            actor=actor,
            room=f.room,
            new_owner_name=f.cleaned_data["new_owner_name"],
            new_owner_phone=f.cleaned_data["new_owner_phone"],
            effective_on=f.cleaned_data["effective_on"],
            note=f.cleaned_data["note"],
        ),
        actions={
            "item": Action(
                gettext_lazy("增加事项"),
                forms.ItemForm,
                lambda a, r, cd: services.transfer_add_item(actor=a, transfer=r, label=cd["label"]),
            ),
            "settle": Action(
                gettext_lazy("结清"),
                forms.SettleForm,
                lambda a, r, cd: services.transfer_settle_item(
                    actor=a, transfer=r, item_id=cd["item"], note=cd["note"]
                ),
            ),
            "meters": Action(
                gettext_lazy("抄表"),
                forms.MetersForm,
                lambda a, r, cd: services.transfer_read_meters(
                    actor=a, transfer=r, water=cd["water"], electricity=cd["electricity"], gas=cd["gas"]
                ),
            ),
            "complete": Action(
                gettext_lazy("办结过户"),
                forms.NoteForm,
                lambda a, r, cd: services.transfer_complete(actor=a, transfer=r, note=cd["note"]),
            ),
            "cancel": Action(
                gettext_lazy("取消登记"),
                forms.ReasonForm,
                lambda a, r, cd: services.transfer_cancel(actor=a, transfer=r, reason=cd["reason"]),
            ),
        },
    ),
    "handovers": Spec(
        slug="handovers",
        model=Handover,
        open_form=forms.HandoverOpenForm,
        open=lambda actor, f: services.handover_open(
            actor=actor,
            project=f.cleaned_data["project"],
            building=f.cleaned_data["building"],
            developer=f.cleaned_data["developer"],
            developer_contact=f.cleaned_data["developer_contact"],
            accepted_on=f.cleaned_data["accepted_on"],
            note=f.cleaned_data["note"],
        ),
        actions={
            "item": Action(
                gettext_lazy("记录验收项"),
                forms.HandoverItemForm,
                lambda a, r, cd: services.handover_add_item(
                    actor=a,
                    handover=r,
                    section=cd["section"],
                    name=cd["name"],
                    result=cd["result"],
                    quantity=cd["quantity"],
                    note=cd["note"],
                ),
            ),
            **_defect_actions("handover"),
            "sign": Action(
                gettext_lazy("项目经理签字"),
                forms.NoteForm,
                lambda a, r, cd: services.handover_sign(actor=a, handover=r, note=cd["note"]),
            ),
            "cancel": Action(
                gettext_lazy("取消登记"),
                forms.ReasonForm,
                lambda a, r, cd: services.handover_cancel(actor=a, handover=r, reason=cd["reason"]),
            ),
        },
    ),
}
BY_MODEL = {spec.model: spec for spec in SPECS.values()}


def _spec(slug) -> Spec:
    try:
        return SPECS[slug]
    except KeyError:
        raise Http404 from None


staff_only = requires("registrations.use", gettext_lazy("只有客服人员和项目管理人员可以办理登记。"))


def _record(spec: Spec, user, pk: int):
    try:
        return selectors.detail(spec.model, user, pk)
    except spec.model.DoesNotExist:
        raise Http404(_("没有找到这份登记。")) from None


@staff_only
def index(request):
    ids = request.user.project_ids()
    cards = []
    for spec in SPECS.values():
        qs = spec.model.objects.filter(project_id__in=ids, state__in=OPEN_STATES)
        started = reverse("registrations:list", args=[spec.slug]) + "?" + urlencode({"state": STARTED[spec.model.KIND]})
        cards.append((spec, Kind(spec.model.KIND).label, qs.count(), started))
    return render(request, "registrations/index.html", {"cards": cards})


@login_required
def record_list(request, slug):
    spec = _spec(slug)
    staff_only.check(request.user)
    base = selectors.visible(spec.model, request.user)
    filterset = FILTERS[spec.model](request.GET or None, queryset=base, user=request.user)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = keyset_page(
        qs,
        request.GET.get("after"),
        size=25,
        load=lambda ids: selectors.list_queryset(spec.model, ids),
    )
    context = {
        "spec": spec,
        "kind": Kind(spec.model.KIND),
        "filter": filterset,
        "page": page,
        "colours": STATE_COLOUR,
        "may_add": bool(request.user.project_ids()),
    }
    return render(request, "registrations/list.html", context)


@login_required
def record_new(request, slug):
    spec = _spec(slug)
    user = request.user
    staff_only.check(user)
    initial = {}
    room_id = parse_id(request.GET.get("room", ""))
    if room_id is not None:
        from estate.selectors import visible_rooms

        room = visible_rooms(user).filter(pk=room_id).first()
        if room:
            initial = {"project": room.project_id, "room_code": room.code}
            owner = services.current_owners(room).order_by("id").first()
            if owner and slug == "moveins":
                initial["person_name"] = owner.resident.name
    elif user.project_ids():
        initial = {"project": min(user.project_ids())}
    form = spec.open_form(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        if done := run_service(
            request,
            lambda: spec.open(user, form),
            form=form,
            success=lambda record: _("已登记 %(number)s。") % {"number": record.number},
        ):
            return redirect("registrations:detail", slug=slug, pk=done.result.pk)
    status = 400 if request.method == "POST" else 200
    context = {"spec": spec, "kind": Kind(spec.model.KIND), "form": form}
    return render(request, "registrations/new.html", context, status=status)


def _detail_context(request, spec: Spec, record, bound: dict | None = None):
    user = request.user
    may_act = rules.may_register(user, record.project_id) and record.state in OPEN_STATES
    action_forms = {name: a.form(auto_id=f"id_{name}_%s") for name, a in spec.actions.items()}
    action_forms.update(bound or {})
    context = {
        "spec": spec,
        "kind": Kind(spec.model.KIND),
        "record": record,
        "colour": STATE_COLOUR.get(record.state, "secondary"),
        "history": selectors.history(record),
        "may_act": may_act,
        "may_repair": rules.may_register(user, record.project_id),
        "forms": action_forms,
        "open_form": next(iter(bound or {}), None),
    }
    if isinstance(record, MoveIn):
        context["missing"] = services.movein_missing(record)
    elif isinstance(record, Transfer):
        context["missing"] = services.transfer_missing(record)
        context["owners"] = list(services.current_owners(record.room).order_by("id"))
        context["room_owed"] = owed_fen(record.room_id) if record.state == TransferState.OPEN else 0
    elif isinstance(record, Handover):
        context["missing"] = services.handover_missing(record)
        context["may_sign"] = rules.may_sign_handover(user, record.project_id)
        context["items"] = {
            s: [i for i in record.items.all() if i.section == s] for s in ("building", "equipment", "keys", "documents")
        }
    elif isinstance(record, Lease):
        context["owners"] = list(services.current_owners(record.room).order_by("id"))
        if record.state == LeaseState.ACTIVE:
            context["room_owed"] = owed_fen(record.room_id)
        context["overlap"] = (
            services.overlapping_active_lease(record.room_id, record.start, record.end, exclude_pk=record.pk)
            if record.state == LeaseState.DRAFT
            else None
        )
    return context


@login_required
def record_detail(request, slug, pk):
    spec = _spec(slug)
    record = _record(spec, request.user, pk)
    return render(request, f"registrations/{record.KIND}_detail.html", _detail_context(request, spec, record))


@login_required
@require_POST
def record_act(request, slug, pk, action):
    spec = _spec(slug)
    user = request.user
    record = _record(spec, user, pk)
    if action not in spec.actions:
        raise Http404
    if not rules.may_register(user, record.project_id):
        raise PermissionDenied(_("您不能在这个项目办理登记。"))
    act = spec.actions[action]
    form = act.form(request.POST, auto_id=f"id_{action}_%s")
    if form.is_valid():
        done = run_service(
            request,
            lambda: act.run(user, record, form.cleaned_data),
            form=form,
            success=_("%(action)s：已保存。") % {"action": act.label},
            flash_refusal=True,
        )
        if done:
            return redirect(reverse("registrations:detail", args=[slug, pk]) + f"#{action}")
        if done.refused:
            return redirect("registrations:detail", slug=slug, pk=pk)
    record = _record(spec, user, pk)
    context = _detail_context(request, spec, record, {action: form})
    return render(request, f"registrations/{record.KIND}_detail.html", context, status=400)


@login_required
def record_pdf(request, slug, pk):
    """The printable form (登记表) with signature lines; numbers stay masked."""
    spec = _spec(slug)
    record = _record(spec, request.user, pk)
    context = _detail_context(request, spec, record)
    context["printed_at"] = timezone.now()
    html = render_to_string(f"registrations/{record.KIND}_pdf.html", context, request=request)
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{record.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
