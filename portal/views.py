"""The residents' pages (/my/): phone first, in residents' words, no staff menus. Thin: forms
check the shape, services (portal's and the other apps') do the writes, selectors the reads."""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.ids import parse_id
from core.pages import run_service
from core.qr import qr_svg
from core.signin import CODE_SIGNIN, client_ip
from core.uploads import file_response
from desk.choices import Kind, Rating
from desk.models import Attachment, ServiceRequest
from desk.selectors import visible_requests
from desk.services import request_message, request_visit
from estate.selectors import keep_resident_scope
from frontdesk.services import visit_preregister
from portal import selectors, services
from portal.codes import development_backend
from portal.models import DevOutbox

KIND_CHOICES = [(Kind.REPAIR, gettext_lazy("报修")), (Kind.COMPLAINT, gettext_lazy("投诉"))]


def resident_page(view):
    """Signed-in residents only: others are sent to the sign-in page; staff are refused (their
    pages are elsewhere). The chosen room is `request.room` (404 when they have none)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect("portal:signin")
        if not user.is_resident:
            return render(request, "portal/refused.html", status=403)
        if request.method == "GET":  # a page that only reads: the occupancies read once for all its parts
            keep_resident_scope(user)
        request.room, request.rooms = selectors.current_room(request)
        if request.room is None:
            return render(request, "portal/no_room.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


class PhoneForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20)


class CodeForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput, max_length=20)
    code = forms.CharField(label=gettext_lazy("验证码"), max_length=6, min_length=6)


def _dev_outbox(phone):
    if not settings.DEBUG:
        return None
    return DevOutbox.objects.filter(phone=phone).first()


def signin(request):
    """Step 1: the phone number, a code is sent. Step 2: the code."""
    if request.user.is_authenticated and request.user.is_resident:
        return redirect("portal:home")
    phone_form, code_form, sent = PhoneForm(), None, None
    status = 200
    if request.method == "POST" and "code" in request.POST:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            d = code_form.cleaned_data
            # One transaction for the check, the account, the audit line, the sign-in and the new
            # session: one commit (one flush of the log) instead of six. A refusal is caught by
            # run_service, so the failure it records commits all the same (the lockout counts it).
            with transaction.atomic():
                done = run_service(
                    request,
                    lambda: services.code_verify(phone=d["phone"], code=d["code"], ip=client_ip(request)),
                    form=code_form,
                )
                if done.ok:
                    setattr(request, CODE_SIGNIN, True)  # the code's own lockout counts it, not axes'
                    login(request, done.result, backend="core.backends.ModelBackend")
                    # the new session's row in this transaction too; the middleware's save at the
                    # end then finds nothing new to write (core/sessions)
                    request.session.save()
            if done.ok:
                return redirect("portal:home")
        sent = {"phone": request.POST.get("phone", "")}
        status = 400
    elif request.method == "POST":
        phone_form = PhoneForm(request.POST)
        if phone_form.is_valid():
            done = run_service(
                request,
                lambda: services.code_request(phone=phone_form.cleaned_data["phone"], ip=client_ip(request)),
                form=phone_form,
            )
            if done.ok:
                sent = done.result
                code_form = CodeForm(initial={"phone": sent["phone"]})
            else:
                status = 429 if isinstance(done.error, services.Throttled) else 400
        else:
            status = 400
    outbox = _dev_outbox(sent["phone"]) if sent else None
    return render(
        request,
        "portal/signin.html",
        {
            "phone_form": phone_form,
            "code_form": code_form,
            "sent": sent,
            "outbox": outbox,
            "debug": settings.DEBUG,
            # said whatever the phone: whether a code was made must not tell who lives here
            "dev_sms": development_backend(),
        },
        status=status,
    )


@require_POST
def signout(request):
    logout(request)
    return redirect("portal:signin")


@resident_page
def home(request):
    from portal.views_money import bill_due

    context = selectors.home(request.user, request.room, request.rooms)
    context["bill_due"] = bill_due(request.user, request.room)
    return render(request, "portal/home.html", context)


@require_POST
@resident_page
def switch_room(request):
    wanted = parse_id(request.POST.get("room"))
    if any(r.pk == wanted for r in request.rooms):
        request.session[selectors.ROOM_KEY] = wanted
    return redirect("portal:home")


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=KIND_CHOICES, initial=Kind.REPAIR)
    title = forms.CharField(label=gettext_lazy("什么问题"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("详细说明"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


@resident_page
def requests(request):
    rows = [(sr, selectors.state_text(sr.state)) for sr in selectors.room_requests(request.user, request.room)[:50]]
    return render(request, "portal/requests.html", {"rows": rows})


@resident_page
def report(request):
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            lambda: services.report_submit(
                actor=request.user,
                room_id=request.room.pk,
                kind=d["kind"],
                title=d["title"],
                description=d["description"],
                files=request.FILES.getlist("photos"),
            ),
            form=form,
            success=lambda sr: _("已提交，编号 %(number)s。物业会尽快安排。") % {"number": sr.number},
        )
        if done.ok:
            return redirect("portal:request", pk=done.result.pk)
    return render(request, "portal/report.html", {"form": form}, status=400 if form.errors else 200)


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=gettext_lazy("您的评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=gettext_lazy("意见"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


def _my_request(request, pk):
    try:
        return selectors.room_requests(request.user, request.room).select_related("room").get(pk=pk)
    except ServiceRequest.DoesNotExist:
        raise Http404 from None


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("留言"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@resident_page
def request_page(request, pk):
    sr = _my_request(request, pk)
    if request.method == "POST" and "message" in request.POST:
        message = MessageForm(request.POST)
        if message.is_valid():
            done = run_service(
                request,
                lambda: request_message(
                    actor=request.user,
                    request=sr,
                    text=message.cleaned_data["text"],
                    files=request.FILES.getlist("photos"),
                ),
                form=message,
                flash_refusal=True,
            )
            if done.ok:
                return redirect("portal:request", pk=sr.pk)
        form, may_rate = RateForm(), False
    else:
        message = MessageForm()
        form = RateForm(request.POST or None)
        may_rate = sr.state in selectors.VISIT_STATES and not sr.rating
    if request.method == "POST" and "message" not in request.POST and may_rate and form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            lambda: request_visit(actor=request.user, request=sr, rating=d["rating"], comment=d["comment"]),
            form=form,
            success=_("谢谢您的评价。"),
        )
        if done.ok:
            return redirect("portal:request", pk=sr.pk)
    return render(
        request,
        "portal/request.html",
        {
            "sr": sr,
            "state": selectors.state_text(sr.state),
            "timeline": selectors.timeline(sr),
            "expected": selectors.expected_by(sr),
            "form": form if may_rate else None,
            "message": message if sr.state in selectors.MESSAGE_STATES else None,
        },
        status=400 if form.errors or message.errors else 200,
    )


@resident_page
def photo(request, pk):
    """A photo of one of my requests (the desk's scoping; another household's is 404)."""
    try:
        attachment = Attachment.objects.get(pk=pk, request__in=visible_requests(request.user).filter(room=request.room))
    except Attachment.DoesNotExist:
        raise Http404 from None
    return file_response(attachment.file, content_type=attachment.content_type, name=attachment.name)


@resident_page
def parcels(request):
    from frontdesk.choices import ParcelState
    from frontdesk.selectors import visible_parcels

    mine = visible_parcels(request.user).filter(room=request.room)
    return render(
        request,
        "portal/parcels.html",
        {
            "waiting": list(mine.filter(state=ParcelState.WAITING).order_by("-arrived_at")[:50]),
            "collected": list(mine.exclude(state=ParcelState.WAITING).order_by("-arrived_at")[:20]),
        },
    )


class InviteForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("访客姓名"), max_length=50)
    purpose = forms.CharField(label=gettext_lazy("来访事由"), max_length=100, initial=gettext_lazy("探亲访友"))
    phone = forms.CharField(label=gettext_lazy("访客手机（可不填）"), max_length=20, required=False)
    people = forms.IntegerField(label=gettext_lazy("人数"), min_value=1, max_value=50, initial=1)
    expected_on = forms.DateField(
        label=gettext_lazy("来访日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@resident_page
def visitors(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            lambda: visit_preregister(actor=request.user, room_id=request.room.pk, **d),
            form=form,
            success=_("已邀请，把邀请码或二维码发给访客。"),
        )
        if done.ok:
            return redirect("portal:visitors")
    from frontdesk.choices import VisitState

    visits = [
        (v, v.state == VisitState.EXPECTED and bool(v.code))
        for v in selectors.room_visits(request.user, request.room)[:30]
    ]
    return render(request, "portal/visitors.html", {"form": form, "visits": visits}, status=400 if form.errors else 200)


@resident_page
def visitor_qr(request, pk):
    """The invitation's one-time code as a QR image (SVG) for the gate to scan."""
    visit = selectors.room_visits(request.user, request.room).filter(pk=pk).first()
    if visit is None or not visit.code:
        raise Http404
    return HttpResponse(qr_svg(visit.code), content_type="image/svg+xml")


@resident_page
def notices(request):
    from community.selectors import resident_announcements

    return render(request, "portal/notices.html", {"notices": list(resident_announcements(request.user)[:30])})
