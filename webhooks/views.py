"""The company administrator's webhook pages: endpoints, their delivery log, a delivery's request and
answer, a test ping, redelivery. Thin: services write, selectors read; another company's endpoint or
delivery is a 404, any other role a 403."""

import json

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import requires
from core.pages import act, run_service
from core.paging import keyset_page
from webhooks import selectors, sending, services
from webhooks.choices import Event, Status
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint

admins_only = requires("webhooks.manage", gettext_lazy("只有公司管理员可以设置 Webhook。"))

_SHOWN_SECRET = "webhooks-secret"  # the session key of a secret shown once after it is made


def _endpoint(request, pk) -> Endpoint:
    try:
        return selectors.endpoint(request.user, pk)
    except Endpoint.DoesNotExist:
        raise Http404(_("没有找到这个接收端。")) from None


def _delivery(request, pk) -> Delivery:
    try:
        return selectors.delivery(request.user, pk)
    except Delivery.DoesNotExist:
        raise Http404(_("没有找到这次投递。")) from None


def _show_secret_once(request, endpoint: Endpoint) -> None:
    request.session[_SHOWN_SECRET] = {"pk": endpoint.pk, "secret": endpoint.secret}


@admins_only
def endpoint_list(request):
    return render(
        request,
        "webhooks/list.html",
        {"endpoints": list(selectors.endpoints(request.user)), "labels": dict(Event.choices)},
    )


@admins_only
def endpoint_new(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            request,
            lambda: services.endpoint_create(
                actor=request.user, name=data["name"], url=data["url"], events=data["events"]
            ),
            form=form,
            success=_("已添加接收端。请立即复制签名密钥：它只显示这一次。"),
        )
        if done:
            _show_secret_once(request, done.result)
            return redirect("webhooks:detail", pk=done.result.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/form.html", {"form": form, "endpoint": None}, status=status)


@admins_only
def endpoint_edit(request, pk):
    endpoint = _endpoint(request, pk)
    initial = {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            request,
            lambda: services.endpoint_update(
                actor=request.user, endpoint=endpoint, name=data["name"], url=data["url"], events=data["events"]
            ),
            form=form,
            success=_("已保存。"),
        )
        if done:
            return redirect("webhooks:detail", pk=endpoint.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/form.html", {"form": form, "endpoint": endpoint}, status=status)


@admins_only
def endpoint_detail(request, pk):
    endpoint = _endpoint(request, pk)
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    page = keyset_page(selectors.deliveries(endpoint, status), request.GET.get("after"), size=25, order=("-id",))
    shown = request.session.pop(_SHOWN_SECRET, None)
    secret = shown["secret"] if shown and shown.get("pk") == endpoint.pk else ""
    return render(
        request,
        "webhooks/detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "labels": dict(Event.choices),
            "secret": secret,
            "may_delete": not endpoint.deliveries.exists(),
        },
    )


@admins_only
def delivery_detail(request, pk):
    delivery = _delivery(request, pk)
    body = json.dumps(delivery.payload, ensure_ascii=False, indent=2)
    headers = {
        "X-PropDesk-Event": delivery.event,
        "X-PropDesk-Delivery": str(delivery.event_id),
    }
    return render(
        request,
        "webhooks/delivery.html",
        {
            "delivery": delivery,
            "endpoint": delivery.endpoint,
            "body": body,
            "headers": headers,
            "tries": list(delivery.tries.order_by("-id")[:50]),
            "sent_bytes": len(sending.body_of(delivery)),
        },
    )


@admins_only
@require_POST
def endpoint_disable_view(request, pk):
    endpoint = _endpoint(request, pk)
    return act(
        request,
        lambda: services.endpoint_disable(actor=request.user, endpoint=endpoint),
        success=_("已停用。"),
        to=reverse("webhooks:detail", args=[pk]),
    )


@admins_only
@require_POST
def endpoint_enable_view(request, pk):
    endpoint = _endpoint(request, pk)
    return act(
        request,
        lambda: services.endpoint_enable(actor=request.user, endpoint=endpoint),
        success=_("已重新启用，积压的事件将继续发送。"),
        to=reverse("webhooks:detail", args=[pk]),
    )


@admins_only
@require_POST
def endpoint_rotate_view(request, pk):
    endpoint = _endpoint(request, pk)
    done = run_service(
        request,
        lambda: services.endpoint_rotate_secret(actor=request.user, endpoint=endpoint),
        success=_("已生成新的签名密钥，旧密钥立即失效。请立即复制：它只显示这一次。"),
    )
    if done:
        _show_secret_once(request, done.result)
    return redirect("webhooks:detail", pk=pk)


@admins_only
@require_POST
def endpoint_delete_view(request, pk):
    endpoint = _endpoint(request, pk)
    done = run_service(
        request,
        lambda: services.endpoint_delete(actor=request.user, endpoint=endpoint),
        success=_("已删除接收端。"),
    )
    return redirect("webhooks:list") if done else redirect("webhooks:detail", pk=pk)


def _outcome_text(delivery: Delivery) -> str:
    if delivery.status == Status.DELIVERED:
        return _("已送达：对方回应 HTTP %(code)s。") % {"code": delivery.response_code}
    if not delivery.endpoint.active:
        return _("接收端已停用，已排队，重新启用后发送。")
    return _("发送失败：%(error)s。将按退避时间自动重试。") % {"error": delivery.error}


@admins_only
@require_POST
def endpoint_ping_view(request, pk):
    endpoint = _endpoint(request, pk)
    done = run_service(
        request, lambda: services.endpoint_ping(actor=request.user, endpoint=endpoint), success=_outcome_text
    )
    return redirect("webhooks:delivery", pk=done.result.pk) if done else redirect("webhooks:detail", pk=pk)


@admins_only
@require_POST
def redeliver_view(request, pk):
    delivery = _delivery(request, pk)
    done = run_service(
        request, lambda: services.delivery_redeliver(actor=request.user, delivery=delivery), success=_outcome_text
    )
    return redirect("webhooks:delivery", pk=done.result.pk if done else pk)
