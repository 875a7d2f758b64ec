"""Pages of the importer (thin: the work is in services, reads in selectors)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.access import requires
from core.errors import ServiceError
from core.filters import bind_filters
from core.ids import parse_id
from core.pages import run_service
from core.privacy import mask_id
from desk import selectors as desk_selectors
from desk.filters import RequestFilter
from importer import exports, selectors, services, tasks
from importer.choices import ImportKind, SessionStatus
from importer.fields import column_map, columns
from importer.forms import EstateExportForm, MappingForm, UploadForm, column_letter
from importer.models import ImportRow, ImportSession

PAGE = 50


importer_only = requires("importer.import", _lazy("只有客服主管、客服经理、项目经理和公司管理员可以导入数据。"))
request_exporters = requires("importer.export_requests", _lazy("您没有导出工单的权限。"))


def _session(request, pk) -> ImportSession:
    return get_object_or_404(selectors.visible_sessions(request.user), pk=pk)


def _row(request, pk) -> ImportRow:
    row = get_object_or_404(ImportRow.objects.select_related("session__project"), pk=pk)
    if not selectors.visible_sessions(request.user).filter(pk=row.session_id).exists():
        raise Http404
    return row


@importer_only
def index(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:  # by hand, not core.pages.run_service: a refused file is the file field's error
            session = services.session_upload(
                actor=request.user,
                project=form.cleaned_data["project"],
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("文件已上传，请确认每一列对应的内容。"))
            return redirect("importer:session", pk=session.pk)
    sessions = list(selectors.visible_sessions(request.user)[:30])
    export_form = EstateExportForm(user=request.user)
    return render(
        request,
        "importer/index.html",
        {"form": form, "sessions": sessions, "kinds": ImportKind.choices, "export_form": export_form},
    )


def _run(session: ImportSession, *, inline, task) -> None:
    """Small files are handled in the request; large ones by the worker, once this transaction commits."""
    if session.file_size <= services.inline_limit():
        inline(session_id=session.pk)
    else:
        transaction.on_commit(lambda: task(session.pk))


@importer_only
def session_detail(request, pk):
    session = _session(request, pk)
    context = {"session": session, "cols": columns(session.kind)}
    if session.status in (SessionStatus.MAPPING, SessionStatus.FAILED) or request.GET.get("remap"):
        context["mapping_form"] = MappingForm(session=session)
        context["preview"] = _preview(session)
    if session.status == SessionStatus.REVIEW:
        show = request.GET.get("show") or ("errors" if session.error_rows else "all")
        context.update(_rows_context(session, show, 0))
    return render(request, "importer/session.html", context)


def _preview(session: ImportSession, limit: int = 5) -> list[list[str]]:
    from importer.reader import open_table

    try:
        with session.file.open("rb") as fh:
            table = open_table(fh, session.file_format)
            out = []
            for _number, cells in table.rows:
                if any(cells):
                    out.append(cells)
                if len(out) >= limit:
                    break
            return out
    except (ServiceError, OSError, ValueError):
        return []


@importer_only
@require_POST
def session_map(request, pk):
    session = _session(request, pk)
    form = MappingForm(request.POST, session=session)
    if not form.is_valid():
        messages.error(request, _("列匹配无效。"))
        return redirect("importer:session", pk=pk)
    mapped = run_service(
        request, lambda: services.session_map(actor=request.user, session=session, mapping=form.mapping())
    )
    if not mapped:
        return render(
            request,
            "importer/session.html",
            {"session": session, "cols": columns(session.kind), "mapping_form": form, "preview": _preview(session)},
            status=400,
        )
    session = mapped.result
    _run(session, inline=services.session_stage, task=tasks.stage_task)
    return redirect("importer:session", pk=pk)


@importer_only
def session_progress(request, pk):
    """Polled by the page while the worker stages or imports; reloads the page when it is done."""
    session = _session(request, pk)
    if not session.running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "importer/_progress.html", {"session": session})


def _rows_context(session, show, after):
    rows = selectors.session_rows(session, show=show, after=after, size=PAGE)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    cols = _grid_cols(session)
    return {
        "rows": [RowView(session, r, cols) for r in rows],
        "show": show,
        "next_after": rows[-1].number if more else None,
        "grid_cols": cols,
    }


class RowView:
    """A staged row as the grid shows it: each mapped column's text and its error."""

    def __init__(self, session, row, cols):
        self.row = row
        self.pk = row.pk
        self.number = row.number
        self.skipped = row.skipped
        self.has_errors = row.has_errors
        self.edited = row.edited
        self.cells = []
        for col in cols:
            value = row.data.get(col.name, "")
            error = row.errors.get(col.name, "")
            shown = _shown(col, value, error)
            self.cells.append(
                {
                    "col": col,
                    "value": shown,
                    "raw": value,
                    "error": error,
                    "letter": column_letter(session.mapping[col.name]),
                }
            )


def _shown(col, value, error):
    if not value:
        return ""
    if col.sensitive == "id" and not error:
        return mask_id(value)
    if col.model and col.attr and not error:
        from django.apps import apps

        field = apps.get_model(col.model)._meta.get_field(col.attr)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
    if col.name == "relation" and not error:
        from estate.choices import Relation

        return dict(Relation.choices).get(value, value)
    return value


def _grid_cols(session) -> list:
    """The kind's columns the session has mapped, in the kind's order."""
    return [c for c in columns(session.kind) if c.name in session.mapping]


def _row_view(session, row):
    return RowView(session, row, _grid_cols(session))


@importer_only
def session_rows(request, pk):
    session = _session(request, pk)
    show = request.GET.get("show", "errors")
    after = parse_id(request.GET.get("after", "")) or 0
    return render(request, "importer/_rows.html", {"session": session, **_rows_context(session, show, after)})


def _row_response(request, row, *, editing=None, error=""):
    session = row.session
    session.refresh_from_db()
    response = render(
        request,
        "importer/_row.html",
        {"session": session, "r": _row_view(session, row), "editing": editing, "edit_error": error},
    )
    if editing is None:
        response["HX-Trigger"] = "importer-counts"  # the counts above the grid reload
    return response


@importer_only
def session_counts(request, pk):
    return render(request, "importer/_counts.html", {"session": _session(request, pk)})


@importer_only
def row_cell(request, pk, field):
    """GET: the cell as an input (htmx); POST: save the corrected value and re-check the row."""
    row = _row(request, pk)
    if field not in column_map(row.session.kind) or field not in row.session.mapping:
        raise Http404
    if request.method == "POST":
        try:  # by hand: on the htmx row the refusal is drawn in the cell, not flashed
            row = services.row_fix(actor=request.user, row=row, field=field, value=request.POST.get("value", ""))
        except ServiceError as exc:
            if request.htmx:
                return _row_response(request, row, editing=field, error=exc.message)
            messages.error(request, exc.message)
            return redirect("importer:session", pk=row.session_id)
        if not request.htmx:
            return redirect("importer:session", pk=row.session_id)
        return _row_response(request, row)
    return _row_response(request, row, editing=field)


@importer_only
@require_POST
def row_skip(request, pk):
    row = _row(request, pk)
    try:  # by hand: htmx gets the refusal as the answer's text
        row = services.row_skip(actor=request.user, row=row, skip=request.POST.get("skip", "1") == "1")
    except ServiceError as exc:
        if request.htmx:
            return HttpResponse(exc.message, status=exc.status)
        messages.error(request, exc.message)
        return redirect("importer:session", pk=row.session_id)
    if not request.htmx:
        return redirect("importer:session", pk=row.session_id)
    return _row_response(request, row)


@importer_only
@require_POST
def session_commit(request, pk):
    session = _session(request, pk)
    committed = run_service(request, lambda: services.session_commit(actor=request.user, session=session))
    if not committed:
        return redirect("importer:session", pk=pk)
    session = committed.result
    _run(session, inline=services.session_commit_run, task=tasks.commit_task)
    session.refresh_from_db()
    if session.status == SessionStatus.DONE:
        messages.success(request, _("导入完成：%(n)s 行。") % {"n": session.imported_rows})
    elif session.status == SessionStatus.REVIEW and session.message:
        messages.error(request, session.message)
    return redirect("importer:session", pk=pk)


@login_required
def template_download(request, kind):
    if kind not in ImportKind.values:
        raise Http404
    return exports.template_response(kind)


# ------------------------------------------------------------------ exports


@request_exporters
def export_requests(request):
    # An invalid filter exports nothing: 400 with its errors, as the list page and the API answer.
    filtered = bind_filters(RequestFilter, request, desk_selectors.visible_requests(request.user))
    if not filtered.valid:
        back = reverse("desk:list") + "?" + request.GET.urlencode()
        return render(request, "importer/export_refused.html", {"filter": filtered.filterset, "back": back}, status=400)
    filters = {k: ",".join(request.GET.getlist(k)) for k in request.GET if k not in ("after",)}
    return exports.export_requests(request.user, filtered.rows, filters)


@importer_only
def export_estate(request, what):
    if what not in ("rooms", "residents"):
        raise Http404
    form = EstateExportForm(request.GET or None, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect(reverse("importer:index") + "#export")
    d = form.cleaned_data
    if what == "rooms":
        return exports.export_rooms(
            request.user,
            project=d["project"],
            building=d.get("building"),
            state=d.get("state"),
            use=d.get("use"),
            tag=d.get("tag"),
        )
    return exports.export_residents(
        request.user, project=d["project"], building=d.get("building"), relation=d.get("relation")
    )
