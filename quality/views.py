"""Pages of the daily close-out and the monthly review. Thin: reads from selectors/review,
writes through services, permissions from rules."""

from datetime import date, timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from billing.rules import may_see_figures
from core.access import requires
from core.pages import run_service
from quality import rules, selectors
from quality.forms import DayPickForm, MonthPickForm, SignForm
from quality.kpis import money_kpis, present_review
from quality.review import monthly_review
from quality.services import closeout_sign

OVERVIEW_DAYS = 7


closeout_viewers = requires("quality.closeout", _lazy("只有客服人员和管理人员可以查看每日结清。"))
closeout_signers = requires("quality.sign_closeout", _lazy("只有客服主管、客服经理、项目经理可以签字结清。"))
reviewers = requires("quality.review", _lazy("只有客服主管、客服经理、项目经理和公司管理员可以查看月度复盘。"))


# ------------------------------------------------------------------ daily close-out


@closeout_viewers
def closeout_pick(request):
    user = request.user
    projects = list(rules.user_projects(user))
    today = timezone.localdate()
    form = DayPickForm(
        request.GET or None,
        projects=projects,
        initial={"project": projects[0].pk if projects else None, "day": today.isoformat()},
    )
    if form.is_bound and form.is_valid():
        return redirect("quality:closeout-day", project_id=form.cleaned_data["project"], day=form.cleaned_data["day"])
    days = [today - timedelta(days=i) for i in range(OVERVIEW_DAYS)]
    signed = selectors.recent_closeouts([p.pk for p in projects], days[-1])
    overview = [(p, [(d, (p.pk, d) in signed) for d in days]) for p in projects]
    return render(request, "quality/closeout_pick.html", {"form": form, "days": days, "overview": overview})


def _closeout_context(project, day: date) -> dict:
    signed = selectors.signed_closeout(project.pk, day)
    data = signed.snapshot if signed else selectors.closeout_data(project, day)
    return {"project": project, "day": day, "signed": signed, "c": selectors.present_closeout(data)}


def _closeout_target(user, project_id: int, day: date):
    """The project and day of a close-out page (its views are @closeout_viewers)."""
    project = rules.project_for(user, project_id)
    if day > timezone.localdate():
        raise Http404(_("还没到这一天。"))
    return project


@closeout_viewers
def closeout_day(request, project_id: int, day: date):
    user = request.user
    project = _closeout_target(user, project_id, day)
    form = SignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        closeout_signers.check(user)
        if form.is_valid():
            done = run_service(
                request,
                lambda: closeout_sign(actor=user, project=project, day=day, comment=form.cleaned_data["comment"]),
                form=form,
                success=_("已签字结清 %(date)s。") % {"date": day.isoformat()},
                flash_refusal=True,
            )
            if done or done.refused:
                return redirect("quality:closeout-day", project_id=project.pk, day=day)
        status = 400
    context = _closeout_context(project, day)
    today = timezone.localdate()
    context.update(
        form=form,
        may_sign=rules.may_sign_closeout(user),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1) if day < today else None,
        is_today=day == today,
    )
    return render(request, "quality/closeout.html", context, status=status)


@closeout_viewers
def closeout_pdf(request, project_id: int, day: date):
    project = _closeout_target(request.user, project_id, day)
    context = _closeout_context(project, day)
    context["printed_at"] = timezone.now()
    html = render_to_string("quality/closeout_pdf.html", context, request=request)
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="closeout-{project.code}-{day.isoformat()}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ monthly review


def beside(shown: dict, previous: dict) -> dict:
    """Each KPI of the month with the previous month's same KPI (`k.previous`, None when absent)."""
    before = {k.key: k for k in [*previous["kpis"], *previous["general"]]}
    for k in [*shown["kpis"], *shown["general"]]:
        k.previous = before.get(k.key)
    return shown


def last_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def this_month(today: date | None = None) -> date:
    """The month the review opens on: the current one (so far), the previous one beside it."""
    return (today or timezone.localdate()).replace(day=1)


@reviewers
def review_pick(request):
    user = request.user
    projects = list(rules.user_projects(user))
    form = MonthPickForm(
        request.GET or None,
        projects=projects,
        initial={"project": projects[0].pk if projects else None, "month": f"{this_month():%Y-%m}"},
    )
    if form.is_bound and form.is_valid():
        return redirect(
            "quality:review-month", project_id=form.cleaned_data["project"], month=form.cleaned_data["month"]
        )
    if not form.is_bound and len(projects) == 1:
        return redirect("quality:review-month", project_id=projects[0].pk, month=this_month())
    return render(request, "quality/review_pick.html", {"form": form, "projects": projects})


@reviewers
def review_project(request, project_id: int):
    project = rules.project_for(request.user, project_id)
    return redirect("quality:review-month", project_id=project.pk, month=this_month())


@reviewers
def review_month(request, project_id: int, month: date):
    user = request.user
    project = rules.project_for(user, project_id)
    this_month = timezone.localdate().replace(day=1)
    if month > this_month:
        raise Http404(_("这个月还没到。"))
    review = monthly_review(project.pk, month)
    previous_month = (month - timedelta(days=1)).replace(day=1)
    # The previous month beside this one: its counts and KPIs next to each figure.
    previous = present_review(monthly_review(project.pk, previous_month))
    next_month = (month + timedelta(days=32)).replace(day=1)
    start, end = review["start"], review["end"]
    list_url = reverse("desk:list") + (
        f"?project={project.pk}&created_from={start.date().isoformat()}"
        f"&created_to={(end - timedelta(days=1)).date().isoformat()}"
    )
    return render(
        request,
        "quality/review.html",
        {
            "project": project,
            "month": month,
            "r": beside(present_review(review), previous),
            "p": previous,
            "money": money_kpis(project.pk, month),
            "figures_url": reverse("billing:figures", args=[project.pk]) + f"?month={month:%Y-%m}"
            if may_see_figures(user, project.pk)
            else "",
            "in_progress": month == this_month,
            "previous_month": previous_month,
            "next_month": next_month if next_month <= this_month else None,
            "projects": list(rules.user_projects(user)) if len(user.project_ids()) > 1 else [],
            "list_url": list_url,
        },
    )
