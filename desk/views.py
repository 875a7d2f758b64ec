"""The desk's pages. Thin: reads come from selectors, writes go through services."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.access import requires
from core.auth import accepts_api_token
from core.filters import bind_filters
from core.ids import parse_id
from core.models import Project
from core.pages import run_service
from core.paging import keyset_page
from core.redirects import safe_next
from core.templatetags.propdesk import choice_labels, phone_for
from core.uploads import file_response
from desk import jobs, rules, selectors
from desk.choices import VISIT_STATES, Action, State
from desk.filters import RequestFilter
from desk.forms import ActionForm, IntakeForm
from desk.intake import request_register_dispatch
from desk.models import Attachment, ServiceRequest
from desk.panels import render_panels
from desk.services import ACTION_SERVICES, request_register
from desk.suggest import TEXT_MAX, suggest
from desk.templatetags.desk_tags import due_badge
from estate.selectors import lookup_rooms, visible_rooms, with_occupants


def healthz(request):
    """A trivial page: the database answers. Benchmarks compare every figure with this one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


staff_only = requires("desk.staff", _lazy("业户请使用业主端。"))
intake_staff = requires("desk.intake", _lazy("只有客服人员可以登记工单。"))
visits_staff = requires("desk.visits", _lazy("只有客服人员可以回访。"))
jobs_staff = requires("desk.jobs", _lazy("业户请使用业主端。"))


@login_required
def home(request):
    if rules.lands_on_board(request.user):  # supervisors land on their board (desk/views_board.py)
        return redirect("desk:board")
    return workbench(request)


@login_required
def workbench(request):
    user = request.user
    if user.is_resident:
        return redirect("desk:list")
    if not rules.has_desk_home(user):
        return redirect("desk:jobs")
    # Each queue's "全部" opens the list filtered as the queue is (no state numbers in templates).
    lists = {
        "to_dispatch": _list_url(state=[State.REGISTERED]),
        "following": _list_url(open="true"),
        "to_visit": _list_url(state=VISIT_STATES),
    }
    return render(request, "desk/home.html", {"queues": selectors.desk_queues(user), "lists": lists})


def _list_url(**query) -> str:
    return reverse("desk:list") + "?" + urlencode(query, doseq=True)


@login_required
def request_list(request):
    # An invalid filter refuses the list (400, its errors where the rows would be), as the API and
    # the export do (core/filters.py).
    filtered = bind_filters(RequestFilter, request, selectors.visible_requests(request.user))
    context = {"filter": filtered.filterset}
    if filtered.valid:
        order = ("due_at", "id") if request.GET.get("sort") == "due" else ("-created_at", "-id")
        page = keyset_page(
            filtered.rows,
            request.GET.get("after"),
            size=25,
            order=order,
            load=lambda ids: selectors.list_queryset(ServiceRequest.objects.filter(pk__in=ids)),
        )
        context.update(page=page, rows_html=request_rows_html(page.rows))
    template = "desk/_list_rows.html" if request.htmx and not request.htmx.boosted else "desk/list.html"
    # RequestFilter's model choices (projects, buildings, departments, staff, categories) depend on
    # the user's projects alone: the filter form's cached options are found by them (fast_select).
    context["choices_scope"] = "projects:" + ",".join(map(str, sorted(request.user.project_ids())))
    return render(request, template, context, status=200 if filtered.valid else 400)


# ---------------------------------------------------------------- hot fragments written in Python
# The request list's rows and the intake lookup's results are drawn on every keystroke or filter
# change; the template engine cost more than the queries (docs/performance.md). These functions
# write the same HTML as templates/desk/_request_table.html and the old _lookup_results.html,
# every value escaped. Keep them in step with that template (desk/tests/test_fragments.py compares).


def request_rows_html(rows) -> str:
    """The list's table (what `desk/_request_table.html` draws for `rows`), as one string."""
    out = [
        '<div class="table-responsive">\n'
        '<table class="table table-sm table-hover table-requests bg-white mb-0">\n'
        '  <thead class="table-light"><tr>\n'
        f"    <th>{escape(_('单号'))}</th><th>{escape(_('类型'))}</th><th>{escape(_('标题'))}</th>"
        f"<th>{escape(_('房屋/位置'))}</th>\n"
        f"    <th>{escape(_('状态'))}</th><th>{escape(_('时限'))}</th><th>{escape(_('级别'))}</th>"
        f"<th>{escape(_('处理'))}</th><th>{escape(_('登记时间'))}</th>\n"
        "  </tr></thead>\n"
        "  <tbody>\n"
    ]
    detail = reverse("desk:detail", args=[0])[:-2]  # "/requests/" (the pattern ends in "<pk>/")
    kinds = choice_labels(ServiceRequest, "kind")
    states = choice_labels(ServiceRequest, "state")
    severities = choice_labels(ServiceRequest, "severity")
    for sr in rows:
        category = f' <span class="text-muted small">· {escape(sr.category.name)}</span>' if sr.category else ""
        where = escape(sr.room.code) if sr.room else escape(Truncator(sr.location).chars(16))
        severity = escape(severities.get(sr.severity, sr.severity))
        if sr.severity != "general":
            severity = f'<span class="badge text-bg-{escape(sr.severity_colour)}">{severity}</span>'
        else:
            severity = f'<span class="text-muted small">{severity}</span>'
        who = escape(sr.department.name) if sr.department else ""
        if sr.assignee:
            who += f" · {escape(sr.assignee.name)}"
        out.append(
            "    <tr>\n"
            f'      <td><a href="{detail}{sr.pk}/">{escape(sr.number)}</a></td>\n'
            f"      <td>{escape(kinds.get(sr.kind, sr.kind))}</td>\n"
            f'      <td class="title">{escape(sr.title)}{category}</td>\n'
            f"      <td>{where}</td>\n"
            f'      <td><span class="badge text-bg-{escape(sr.state_colour)}">{escape(states.get(sr.state, sr.state))}</span></td>\n'
            f"      <td>{due_badge(sr)}</td>\n"
            f"      <td>{severity}</td>\n"
            f'      <td class="small">{who}</td>\n'
            f'      <td class="small text-muted">{localtime(sr.created_at):%m-%d %H:%M}</td>\n'
            "    </tr>\n"
        )
    if not rows:
        out.append(f'    <tr><td colspan="9" class="text-center text-muted py-3">{escape(_("没有工单"))}</td></tr>\n')
    out.append("  </tbody>\n</table>\n</div>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def lookup_results_html(rooms, q: str, user, more: bool = False) -> str:
    """The intake lookup's result list (clicked to fill the form), or a 'not found' line; `more`:
    more rooms match than are shown (the clerk types on to narrow them)."""
    from estate.models import Occupancy, Room

    relations = choice_labels(Occupancy, "relation")
    room_states = choice_labels(Room, "state")
    if not rooms:
        if not q:
            return ""
        message = _("没有找到“%(q)s”。公共区域的问题请直接填写位置。") % {"q": escape(q)}
        return f'<div class="text-muted small px-1">{message}</div>\n'
    out = ['<div class="list-group shadow-sm">\n']
    for room in rooms:
        code, pk, project = escape(room.code), room.pk, room.project_id
        occupants = room.current[:3]
        for occ in occupants:
            resident = occ.resident
            name, phone = escape(resident.name), escape(phone_for(resident.phone, user))
            out.append(
                f'  <a href="#" tabindex="-1" class="list-group-item list-group-item-action" data-room="{pk}" '
                f'data-resident="{resident.pk}" data-project="{project}"\n'
                f'     data-name="{name}" data-phone="{phone}" data-label="{code} · {name}">\n'
                f'    <strong>{code}</strong> {name} <span class="text-muted small">'
                f"{escape(relations.get(occ.relation, occ.relation))} · {phone}</span>\n"
                "  </a>\n"
            )
        if not occupants:
            out.append(
                f'  <a href="#" tabindex="-1" class="list-group-item list-group-item-action" data-room="{pk}" '
                f'data-project="{project}" data-label="{code}">\n'
                f'    <strong>{code}</strong> <span class="text-muted small">{escape(room_states.get(room.state, room.state))}</span>\n'
                "  </a>\n"
            )
    out.append("</div>\n")
    if more:
        out.append(
            f'<div class="text-muted small px-1 mt-1" id="lookup-more">{escape(_("还有更多，请继续输入"))}</div>\n'
        )
    return "".join(out)


def _registered(sr, dispatched_to=None) -> str:
    """The success line: dispatched by the clerk in the same step, at once by the company
    (DeskSettings.auto_dispatch), or only registered."""
    if sr.state == State.DISPATCHED:
        text = _("已登记工单 %(number)s，并已派给%(department)s。")
        if dispatched_to is None:
            text = _("已登记工单 %(number)s，并已自动派给%(department)s。")
        return text % {"number": sr.number, "department": sr.department.name}
    return _("已登记工单 %(number)s。") % {"number": sr.number}


@staff_only
@intake_staff
def intake(request):
    user = request.user
    form = IntakeForm(
        request.POST or None, user=user, initial={"project": next(iter(sorted(user.project_ids())), None)}
    )
    room = chosen_resident = related_room = None
    if request.method == "POST":
        # 登记并派单 (Ctrl+Shift+Enter) with a department (the suggested one, or the clerk's):
        # registered and dispatched in one step; without one, the request page opens to dispatch.
        dispatch_to = form.cleaned_data["department"] if form.is_valid() and "dispatch_next" in request.POST else None

        def register():
            if dispatch_to is not None:
                return request_register_dispatch(actor=user, data=form.intake(), department=dispatch_to)
            return request_register(actor=user, data=form.intake())

        if form.is_valid() and (
            done := run_service(request, register, form=form, success=lambda sr: _registered(sr, dispatch_to))
        ):
            if "dispatch_next" in request.POST and dispatch_to is None:
                return redirect("desk:detail", pk=done.result.pk)
            return redirect(reverse("desk:intake") + f"?registered={done.result.pk}")
        # A refused save keeps the whole intake: the chosen household's badge (room and person),
        # its panel, the lookup text and every field.
        room_id = parse_id(form.data.get("room"))
        if room_id:
            room = with_occupants(visible_rooms(user).filter(pk=room_id)).first()
        resident_id = parse_id(form.data.get("resident"))
        if room and resident_id:
            chosen_resident = next((occ.resident for occ in room.current if occ.resident_id == resident_id), None)
        if related_id := parse_id(form.data.get("related_room")):
            related_room = visible_rooms(user).filter(pk=related_id).only("id", "code").first()
    registered = None
    if registered_id := parse_id(request.GET.get("registered", "")):
        registered = selectors.visible_requests(user).filter(pk=registered_id).first()
    status = 400 if request.method == "POST" else 200
    company_ids = set(Project.objects.filter(pk__in=user.project_ids()).values_list("company_id", flat=True))
    phrases = selectors.phrases(next(iter(company_ids)), "intake") if len(company_ids) == 1 else []
    context = {
        "form": form,
        "room": room,
        "chosen_resident": chosen_resident,
        "related_room": related_room,
        "registered": registered,
        "phrases": phrases,
    }
    return render(request, "desk/intake.html", context, status=status)


LOOKUP_SHOWN = 10  # rooms the lookup lists; beyond them it says there are more


@staff_only
def intake_lookup(request):
    """htmx: rooms matching what the desk types (room number, phone, name), at most LOOKUP_SHOWN
    (and a line saying there are more: typing on narrows them)."""
    q = request.GET.get("q", "")
    project = request.GET.get("project")
    rooms = lookup_rooms(request.user, q, project_id=parse_id(project), limit=LOOKUP_SHOWN + 1)
    # Written in Python (lookup_results_html), not through the template engine: this fragment is
    # fetched on every keystroke of the intake form.
    more = len(rooms) > LOOKUP_SHOWN
    return HttpResponse(lookup_results_html(rooms[:LOOKUP_SHOWN], q, request.user, more))


@staff_only
@intake_staff
def intake_suggest(request):
    """JSON: the kind, category and department suggested by the words typed so far (and the flat
    upstairs when the caller blames it), or {"suggestion": null}. Fetched as the clerk types."""
    get = request.GET
    found = suggest(
        user=request.user,
        project_id=parse_id(get.get("project", "")),
        title=get.get("title", "")[:TEXT_MAX],
        description=get.get("description", "")[:TEXT_MAX],
        room_id=parse_id(get.get("room", "")),
    )
    return JsonResponse({"suggestion": found.as_json() if found else None})


@staff_only
def intake_household(request):
    """htmx: the chosen household's people and recent requests, shown while the call goes on."""
    room_id = parse_id(request.GET.get("room", ""))
    room = with_occupants(visible_rooms(request.user).filter(pk=room_id)).first() if room_id else None
    if room is None:
        return HttpResponse("")
    recent = selectors.household_recent(request.user, room_id=room.pk, limit=8)
    return render(request, "desk/_household.html", {"room": room, "recent": recent})


def _detail_context(request, sr, forms=None):
    user = request.user
    allowed = rules.allowed_actions(user, sr)
    action_forms = {a: ActionForm(action=a, request_obj=sr) for a in allowed}
    action_forms.update(forms or {})
    return {
        "sr": sr,
        "timeline": selectors.request_timeline(sr),
        "actions": [(a, Action(a).label, action_forms[a]) for a in allowed],
        "recent": selectors.household_recent(user, room_id=sr.room_id, exclude_pk=sr.pk) if sr.room_id else [],
        "open_form": next(iter(forms or {}), None),
        "pauses": list(sr.pauses.all()),
        "panels": render_panels(request, sr),
    }


def _get_request(user, pk):
    try:
        return selectors.request_detail(user, pk)
    except ServiceRequest.DoesNotExist:
        raise Http404(_("没有找到这张工单。")) from None


@login_required
def request_page(request, pk):
    sr = _get_request(request.user, pk)
    return render(request, "desk/detail.html", _detail_context(request, sr))


@login_required
@require_POST
def request_act(request, pk, action):
    sr = _get_request(request.user, pk)
    if action not in ACTION_SERVICES:
        raise Http404
    service, _fields = ACTION_SERVICES[action]
    form = ActionForm(request.POST, request.FILES, action=action, request_obj=sr)
    if form.is_valid():
        done = run_service(
            request,
            lambda: service(actor=request.user, request=sr, **form.service_kwargs()),
            form=form,
            success=lambda _result: _acted(sr, action),
            flash_refusal=True,
        )
        if done or done.refused:
            return redirect(_next_url(request, sr))
    sr = _get_request(request.user, pk)
    return render(request, "desk/detail.html", _detail_context(request, sr, {action: form}), status=400)


def _acted(sr, action) -> str:
    sr.refresh_from_db(fields=["state"])  # the state the action led to
    return _("%(action)s成功，工单现在是“%(state)s”。") % {
        "action": Action(action).label,
        "state": State(sr.state).label,
    }


def _next_url(request, sr):
    return safe_next(request, reverse("desk:detail", args=[sr.pk]))


@jobs_staff
def my_jobs(request):
    """The technician's phone page: my jobs, nearest deadline first, the next step a tap away
    (desk/jobs.py builds the cards from one query)."""
    user = request.user
    cards = jobs.job_cards(user)
    context = {
        "count": len(cards),
        "cards_html": jobs.cards_html(cards, user, get_token(request)),
        "done": jobs.recently_done(user),
    }
    return render(request, "desk/jobs.html", context)


@accepts_api_token
@login_required
def attachment_file(request, pk):
    """Files are served only to those who may see their request."""
    try:
        attachment = Attachment.objects.select_related("request").get(
            pk=pk, request__in=selectors.visible_requests(request.user)
        )
    except Attachment.DoesNotExist:
        raise Http404 from None
    return file_response(attachment.file, content_type=attachment.content_type, name=attachment.name)


@staff_only
@visits_staff
def return_visits(request):
    """The return visits owed, soonest deadline first, with the overdue ones flagged."""
    # Soonest deadline first; those without a deadline (no policy) after them, oldest first.
    rows = list(
        selectors.return_visits_due(request.user).order_by(F("due_at").asc(nulls_last=True), "resolved_at", "id")[
            : VISITS_SHOWN + 1
        ]
    )
    return render(
        request,
        "desk/visits.html",
        {"rows": rows[:VISITS_SHOWN], "more": len(rows) > VISITS_SHOWN, "shown": VISITS_SHOWN},
    )


VISITS_SHOWN = 200
