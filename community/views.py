"""The community pages. Thin: reads come from selectors, writes go through services."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from community import selectors, services
from community.choices import NoticeAction, NoticeState, SignupState
from community.forms import (
    ActivityForm,
    AnnouncementForm,
    FeedbackForm,
    OnBehalfForm,
    PhotoForm,
    PhraseForm,
    PhraseSearchForm,
    PublishForm,
    ReasonForm,
    ScheduleForm,
    VisitFeedbackForm,
    VisitForm,
)
from community.models import Activity, Announcement, Photo, Signup, VisitGroup
from core.access import requires
from core.auth import accepts_api_token
from core.ids import parse_id, parse_ids
from core.models import AuditEntry, Project
from core.pages import act, run_service
from core.paging import keyset_page
from core.uploads import file_response
from desk import selectors as desk_selectors
from desk.models import Phrase

staff_only = requires("community.staff", _lazy("只有客服人员可以使用这个页面。"))
resident_only = requires("community.resident", _lazy("这是业户的页面。"))
phrase_staff = requires("community.phrases", _lazy("只有客服人员可以使用话术库。"))
phrase_editors = requires("community.edit_phrases", _lazy("只有客服主管和客服经理可以修改话术库。"))


def _get(qs, pk, message):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404(message)
    return obj


@login_required
def index(request):
    if request.user.is_resident:
        return redirect("community:my")
    staff_only.check(request.user)
    return redirect("community:announcements")


# ---------------------------------------------------------------- announcements (staff)


@staff_only
def announcement_list(request):
    user = request.user
    qs = selectors.staff_announcements(user)
    state = parse_id(request.GET.get("state", ""))
    if state in NoticeState.values:
        qs = qs.filter(state=state)
    page = keyset_page(
        qs,
        request.GET.get("after"),
        size=25,
        order=("-created_at", "-id"),
        load=lambda ids: Announcement.objects.filter(pk__in=ids).select_related("project", "created_by"),
    )
    stats = selectors.read_stats(page.rows)
    rows = [(a, *stats.get(a.pk, (0, 0))) for a in page.rows]
    return render(
        request,
        "community/announcement_list.html",
        {
            "page": page,
            "rows": rows,
            "states": NoticeState.choices,
            "state": state,
            "may_publish": selectors.may_publish(user),
        },
    )


@staff_only
def announcement_create(request):
    user = request.user
    form = AnnouncementForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        if done := run_service(
            request,
            lambda: services.announcement_create(actor=user, data=form.notice()),
            form=form,
            success=_("草稿已保存。"),
            flash_refusal=True,
        ):
            return redirect("community:announcement", pk=done.result.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "community/announcement_form.html", {"form": form}, status=status)


@staff_only
def announcement_edit(request, pk):
    user = request.user
    notice = _get(selectors.staff_announcements(user), pk, _("没有找到这份公告。"))
    form = AnnouncementForm(request.POST or None, user=user, instance=notice)
    if request.method == "POST" and form.is_valid():
        if run_service(
            request,
            lambda: services.announcement_update(actor=user, announcement=notice, data=form.notice()),
            form=form,
            success=_("草稿已修改。"),
            flash_refusal=True,
        ):
            return redirect("community:announcement", pk=notice.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "community/announcement_form.html", {"form": form, "notice": notice}, status=status)


def _notice_context(user, notice, forms=None):
    readers, audience = selectors.read_stats([notice])[notice.pk]
    forms = forms or {}
    ctx = {
        "notice": notice,
        "events": list(notice.events.select_related("actor")),
        "buildings": list(notice.buildings.all()),
        "rooms": list(notice.rooms.order_by("code")[:200]),
        "readers": readers,
        "audience_size": audience,
        "may_publish": selectors.may_publish(user),
        "may_edit": notice.state == NoticeState.DRAFT
        and (notice.created_by_id == user.pk or selectors.may_publish(user)),
    }
    if ctx["may_publish"]:
        if notice.state == NoticeState.DRAFT:
            ctx["publish_form"] = forms.get("publish") or PublishForm(prefix="publish")
            ctx["schedule_form"] = forms.get("schedule") or ScheduleForm(prefix="schedule")
        if notice.state == NoticeState.PUBLISHED:
            ctx["withdraw_form"] = forms.get("withdraw") or ReasonForm(prefix="withdraw")
        if notice.state == NoticeState.SCHEDULED:
            ctx["publish_form"] = forms.get("publish") or PublishForm(prefix="publish")
    return ctx


@staff_only
def announcement_detail(request, pk):
    user = request.user
    notice = _get(
        selectors.staff_announcements(user).select_related("project", "created_by", "published_by"),
        pk,
        _("没有找到这份公告。"),
    )
    return render(request, "community/announcement_detail.html", _notice_context(user, notice))


@staff_only
@require_POST
def announcement_act(request, pk, action):
    user = request.user
    notice = _get(
        selectors.staff_announcements(user).select_related("project", "created_by"), pk, _("没有找到这份公告。")
    )
    if action == NoticeAction.PUBLISH:
        form = PublishForm(request.POST, prefix="publish")
        call = lambda: services.announcement_publish(  # noqa: E731
            actor=user, announcement=notice, expire_at=form.cleaned_data["expire_at"]
        )
        success = _("公告已发布。")
    elif action == NoticeAction.SCHEDULE:
        form = ScheduleForm(request.POST, prefix="schedule")
        call = lambda: services.announcement_schedule(  # noqa: E731
            actor=user,
            announcement=notice,
            publish_at=form.cleaned_data["publish_at"],
            expire_at=form.cleaned_data["expire_at"],
        )
        success = _("已设为定时发布。")
    elif action == NoticeAction.UNSCHEDULE:
        form = ReasonForm({"reason": "-"})
        call = lambda: services.announcement_unschedule(actor=user, announcement=notice)  # noqa: E731
        success = _("已取消定时，公告回到草稿。")
    elif action == NoticeAction.WITHDRAW:
        form = ReasonForm(request.POST, prefix="withdraw")
        call = lambda: services.announcement_withdraw(  # noqa: E731
            actor=user, announcement=notice, reason=form.cleaned_data["reason"]
        )
        success = _("公告已撤回。")
    else:
        raise Http404
    if form.is_valid() and run_service(request, call, form=form, success=success, flash_refusal=True):
        return redirect("community:announcement", pk=notice.pk)
    notice.refresh_from_db()
    ctx = _notice_context(user, notice, {action: form})
    return render(request, "community/announcement_detail.html", ctx, status=400)


@staff_only
def announcement_pdf(request, pk):
    """The printable notice for the lobby board: A4, project, title, body, date, seal."""
    user = request.user
    notice = _get(selectors.staff_announcements(user).select_related("project"), pk, _("没有找到这份公告。"))
    html = render_to_string(
        "community/announcement_pdf.html",
        {"notice": notice, "day": timezone.localtime(notice.published_at or timezone.now())},
        request=request,
    )
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- the resident's phone pages


@resident_only
def my_home(request):
    user = request.user
    home = selectors.household_of(user)
    notices = list(selectors.resident_announcements(user, home)[:30])
    now = timezone.now()
    activities = list(
        selectors.with_counts(selectors.resident_activities(user, home))
        .filter(starts_at__gte=now - timedelta(days=30))
        .order_by("starts_at", "id")[:20]
    )
    mine = selectors.my_signups(user, [a.pk for a in activities])
    return render(
        request,
        "community/my_home.html",
        {"notices": notices, "activities": [(a, mine.get(a.pk)) for a in activities], "now": now},
    )


@resident_only
def my_announcement(request, pk):
    user = request.user
    notice = _get(selectors.resident_announcements(user), pk, _("没有找到这份公告。"))
    services.announcement_mark_read(user=user, announcement=notice)
    return render(request, "community/my_announcement.html", {"notice": notice})


@resident_only
def my_activity(request, pk):
    user = request.user
    activity = _get(selectors.with_counts(selectors.resident_activities(user)), pk, _("没有找到这个活动。"))
    signup = selectors.my_signups(user, [activity.pk]).get(activity.pk)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST":
        if signup is None:
            raise Http404
        if form.is_valid() and run_service(
            request,
            lambda: services.feedback_give(actor=user, signup=signup, **form.cleaned_data),
            form=form,
            success=_("谢谢您的评价！"),
            flash_refusal=True,
        ):
            return redirect("community:my-activity", pk=activity.pk)
    photos = list(activity.photos.all())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "community/my_activity.html",
        {"activity": activity, "signup": signup, "form": form, "photos": photos},
        status=status,
    )


@resident_only
@require_POST
def my_signup(request, pk):
    user = request.user
    activity = _get(selectors.resident_activities(user), pk, _("没有找到这个活动。"))
    resident = getattr(user, "resident", None)
    if resident is None:
        raise PermissionDenied(_("您的账号没有关联业户。"))
    done = run_service(request, lambda: services.activity_signup(actor=user, activity=activity, resident=resident))
    if done and done.result.state == SignupState.WAITLISTED:
        messages.warning(request, _("名额已满，您已进入候补，有人取消时自动递补。"))
    elif done:
        messages.success(request, _("报名成功！"))
    return redirect("community:my-activity", pk=activity.pk)


@resident_only
@require_POST
def my_signup_cancel(request, pk):
    user = request.user
    signup = _get(
        Signup.objects.filter(resident__user=user).select_related("activity", "resident"), pk, _("没有找到这条报名。")
    )
    return act(
        request,
        lambda: services.signup_cancel(actor=user, signup=signup),
        success=_("已取消报名。"),
        to=reverse("community:my-activity", args=[signup.activity_id]),
    )


# ---------------------------------------------------------------- activities (staff)


@staff_only
def activity_list(request):
    user = request.user
    page = keyset_page(
        selectors.staff_activities(user),
        request.GET.get("after"),
        size=25,
        order=("-starts_at", "-id"),
        load=lambda ids: selectors.with_counts(Activity.objects.filter(pk__in=ids).select_related("project")),
    )
    return render(request, "community/activity_list.html", {"page": page})


@staff_only
def activity_create(request):
    user = request.user
    form = ActivityForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        if done := run_service(
            request,
            lambda: services.activity_create(actor=user, data=form.activity()),
            form=form,
            success=_("活动已发布，住户可以报名了。"),
            flash_refusal=True,
        ):
            return redirect("community:activity", pk=done.result.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "community/activity_form.html", {"form": form}, status=status)


HISTORY_LABELS = {
    "create": _lazy("创建"),
    "edit": _lazy("修改"),
    "cancel": _lazy("取消"),
    "attendance": _lazy("签到"),
    "feedback": _lazy("反馈"),
}


def _history(obj, limit=20):
    rows = list(
        AuditEntry.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).select_related("actor")[:limit]
    )
    for row in rows:
        row.label = HISTORY_LABELS.get(row.action, row.action)
    return rows


def _activity_context(user, activity, forms=None):
    forms = forms or {}
    signups = selectors.activity_signups(activity)
    feedback = [s.feedback for s in signups if hasattr(s, "feedback")]
    ratings = [f.rating for f in feedback]
    return {
        "activity": activity,
        "signups": signups,
        "confirmed": [s for s in signups if s.state == SignupState.CONFIRMED],
        "waiting": [s for s in signups if s.state == SignupState.WAITLISTED],
        "feedback": feedback,
        "average": round(sum(ratings) / len(ratings), 1) if ratings else None,
        "photos": list(activity.photos.all()),
        "behalf_form": forms.get("signup") or OnBehalfForm(prefix="behalf"),
        "photo_form": forms.get("photos") or PhotoForm(prefix="photos"),
        "cancel_form": forms.get("cancel") or ReasonForm(prefix="cancel"),
        "feedback_form": forms.get("feedback") or FeedbackForm(prefix="fb"),
        "history": _history(activity),
    }


def _staff_activity(user, pk):
    return _get(selectors.staff_activities(user).select_related("project", "created_by"), pk, _("没有找到这个活动。"))


@staff_only
def activity_detail(request, pk):
    user = request.user
    activity = _staff_activity(user, pk)
    return render(request, "community/activity_detail.html", _activity_context(user, activity))


@staff_only
@require_POST
def activity_act(request, pk, action):
    user = request.user
    activity = _staff_activity(user, pk)
    if action == "signup":
        form = OnBehalfForm(request.POST, prefix="behalf")

        def call():
            resident = services.find_resident(project_id=activity.project_id, **form.cleaned_data)
            signup = services.activity_signup(actor=user, activity=activity, resident=resident)
            if signup.state == SignupState.WAITLISTED:
                messages.warning(request, _("名额已满，%(name)s 进入候补。") % {"name": resident.name})

        success = _("已为住户报名。")
    elif action == "photos":
        form = PhotoForm(request.POST, request.FILES, prefix="photos")
        call = lambda: services.activity_add_photos(actor=user, activity=activity, files=form.cleaned_data["files"])  # noqa: E731
        success = _("照片已上传。")
    elif action == "cancel":
        form = ReasonForm(request.POST, prefix="cancel")
        call = lambda: services.activity_cancel(actor=user, activity=activity, reason=form.cleaned_data["reason"])  # noqa: E731
        success = _("活动已取消。")
    elif action == "feedback":
        form = FeedbackForm(request.POST, prefix="fb")
        signup_id = parse_id(request.POST.get("signup", ""))
        signup = activity.signups.filter(pk=signup_id).first() if signup_id else None
        if signup is None:
            form.is_valid()
            form.add_error(None, _("请选择到场的住户。"))
        call = lambda: services.feedback_give(actor=user, signup=signup, **form.cleaned_data)  # noqa: E731
        success = _("评价已记录。")
    elif action == "attendance":
        form = ReasonForm({"reason": "-"})
        ids = parse_ids(request.POST.getlist("attended"))
        call = lambda: services.activity_attendance(actor=user, activity=activity, attended_ids=ids)  # noqa: E731
        success = _("签到已保存。")
    else:
        raise Http404
    if form.is_valid() and run_service(request, call, form=form, success=success, flash_refusal=True):
        return redirect("community:activity", pk=activity.pk)
    activity.refresh_from_db()
    return render(
        request, "community/activity_detail.html", _activity_context(user, activity, {action: form}), status=400
    )


@staff_only
@require_POST
def signup_act(request, pk, action):
    """The desk cancels a sign-up for a resident."""
    user = request.user
    signup = _get(
        Signup.objects.filter(activity__project_id__in=selectors.staff_project_ids(user)).select_related(
            "activity", "resident"
        ),
        pk,
        _("没有找到这条报名。"),
    )
    if action != "cancel":
        raise Http404
    return act(
        request,
        lambda: services.signup_cancel(actor=user, signup=signup),
        success=_("已取消报名。"),
        to=reverse("community:activity", args=[signup.activity_id]),
    )


# ---------------------------------------------------------------- photos


@accepts_api_token
@login_required
def photo_file(request, pk):
    """Photos are served only to those who may see their activity or visit."""
    user = request.user
    photo = Photo.objects.filter(pk=pk).select_related("activity", "visit").first()
    if photo is None:
        raise Http404
    if photo.activity_id:
        allowed = (
            (selectors.resident_activities(user) if user.is_resident else selectors.staff_activities(user))
            .filter(pk=photo.activity_id)
            .exists()
        )
    else:
        allowed = selectors.staff_visits(user).filter(pk=photo.visit_id).exists()
    if not allowed:
        raise Http404
    return file_response(photo.file, content_type=photo.content_type, name=photo.name)


# ---------------------------------------------------------------- visiting groups


@staff_only
def visit_list(request):
    user = request.user
    page = keyset_page(
        selectors.staff_visits(user),
        request.GET.get("after"),
        size=25,
        order=("-visit_at", "-id"),
        load=lambda ids: VisitGroup.objects.filter(pk__in=ids).select_related("project").prefetch_related("receivers"),
    )
    return render(request, "community/visit_list.html", {"page": page})


@staff_only
def visit_form(request, pk=None):
    user = request.user
    visit = _get(selectors.staff_visits(user), pk, _("没有找到这条接待记录。")) if pk else None
    form = VisitForm(request.POST or None, user=user, instance=visit)
    if request.method == "POST" and form.is_valid():
        if visit is None:
            call = lambda: services.visit_create(actor=user, data=form.visit())  # noqa: E731
        else:
            call = lambda: services.visit_update(actor=user, visit=visit, data=form.visit())  # noqa: E731
        if done := run_service(request, call, form=form, success=_("接待记录已保存。"), flash_refusal=True):
            return redirect("community:visit", pk=done.result.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "community/visit_form.html", {"form": form, "visit": visit}, status=status)


def _visit_context(visit, forms=None):
    forms = forms or {}
    return {
        "visit": visit,
        "receivers": list(visit.receivers.all()),
        "photos": list(visit.photos.all()),
        "feedback_form": forms.get("feedback")
        or VisitFeedbackForm(prefix="vf", initial={"feedback": visit.feedback, "rating": visit.rating}),
        "photo_form": forms.get("photos") or PhotoForm(prefix="photos"),
        "history": _history(visit),
    }


@staff_only
def visit_detail(request, pk):
    user = request.user
    visit = _get(selectors.staff_visits(user).select_related("project", "created_by"), pk, _("没有找到这条接待记录。"))
    return render(request, "community/visit_detail.html", _visit_context(visit))


@staff_only
@require_POST
def visit_act(request, pk, action):
    user = request.user
    visit = _get(selectors.staff_visits(user).select_related("project", "created_by"), pk, _("没有找到这条接待记录。"))
    if action == "feedback":
        form = VisitFeedbackForm(request.POST, prefix="vf")
        call = lambda: services.visit_feedback(actor=user, visit=visit, **form.cleaned_data)  # noqa: E731
        success = _("反馈已保存。")
    elif action == "photos":
        form = PhotoForm(request.POST, request.FILES, prefix="photos")
        call = lambda: services.visit_add_photos(actor=user, visit=visit, files=form.cleaned_data["files"])  # noqa: E731
        success = _("照片已上传。")
    else:
        raise Http404
    if form.is_valid() and run_service(request, call, form=form, success=success, flash_refusal=True):
        return redirect("community:visit", pk=visit.pk)
    visit.refresh_from_db()
    return render(request, "community/visit_detail.html", _visit_context(visit, {action: form}), status=400)


# ---------------------------------------------------------------- phrase library


def _company_id(user) -> int | None:
    companies = set(Project.objects.filter(pk__in=user.project_ids()).values_list("company_id", flat=True))
    if user.company_id:
        companies.add(user.company_id)
    return next(iter(companies)) if len(companies) == 1 else None


@phrase_staff
def phrase_library(request):
    user = request.user
    form = PhraseSearchForm(request.GET or None)
    q = situation = ""
    if form.is_bound and form.is_valid():
        q, situation = form.cleaned_data["q"], form.cleaned_data["situation"]
    company_id = _company_id(user)
    if company_id is None:
        rows = []
    elif selectors.may_edit_phrases(user) and request.GET.get("inactive"):
        rows = list(Phrase.objects.filter(company_id=company_id, active=False).select_related("updated_by"))
    else:
        rows = list(
            Phrase.objects.filter(pk__in=[p.pk for p in desk_selectors.phrases(company_id, situation, q, limit=300)])
            .select_related("updated_by")
            .order_by("situation", "order", "id")
        )
    groups: dict[str, list] = {}
    for p in rows:
        groups.setdefault(p.get_situation_display(), []).append(p)
    template = (
        "community/_phrase_library_rows.html"
        if request.htmx and not request.htmx.boosted
        else "community/phrase_library.html"
    )
    return render(
        request,
        template,
        {"form": form, "groups": groups, "count": len(rows), "may_edit": selectors.may_edit_phrases(user), "q": q},
    )


@phrase_staff
@phrase_editors
def phrase_form(request, pk=None):
    user = request.user
    phrase = None
    if pk:
        phrase = _get(Phrase.objects.filter(company_id=_company_id(user)), pk, _("没有找到这条话术。"))
    initial = None
    if phrase:
        initial = {f: getattr(phrase, f) for f in ("situation", "title", "body", "keywords", "order", "active")}
    form = PhraseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if phrase is None:
            call = lambda: services.phrase_create(actor=user, data=form.phrase())  # noqa: E731
        else:
            call = lambda: services.phrase_update(actor=user, phrase=phrase, data=form.phrase())  # noqa: E731
        if run_service(request, call, form=form, success=_("话术已保存。"), flash_refusal=True):
            return redirect(reverse("community:phrases") + (f"?situation={form.cleaned_data['situation']}"))
    history = []
    if phrase:
        history = _history(phrase)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "community/phrase_form.html", {"form": form, "phrase": phrase, "history": history}, status=status
    )


@phrase_staff
def phrase_panel(request):
    """htmx: the phrase panel beside the intake and return-visit forms, filtered and searched."""
    user = request.user
    situation = request.GET.get("situation", "")
    if situation and situation not in Phrase.Situation.values:
        situation = ""
    q = request.GET.get("q", "")[:50]
    company_id = _company_id(user)
    rows = desk_selectors.phrases(company_id, situation, q, limit=50) if company_id else []
    return render(request, "community/_phrase_items.html", {"phrases": rows, "q": q})
