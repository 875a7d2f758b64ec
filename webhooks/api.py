"""The company administrator's webhooks under /api/webhooks/ (propdesk/api_urls.py): the pages'
services (webhooks/services.py) and rule (webhooks.rules.may_manage: company administrators only,
any other role 403); another company's endpoint or delivery answers 404.

The signing secret is answered twice only: when the endpoint is made and when it is rotated. A URL
that points to a private, loopback or reserved address is refused by the service (webhooks/addresses.py)
and answered as a field error on `url` (400).

- webhooks/endpoints/                   GET list, POST add one (answers the secret once)
- webhooks/endpoints/{id}/              GET one, PATCH name / url / events, DELETE one nothing was sent to
                                        (one with deliveries is refused, 403: switch it off instead)
- webhooks/endpoints/{id}/disable/      POST switch it off
- webhooks/endpoints/{id}/enable/       POST switch it on again (the waiting deliveries go out)
- webhooks/endpoints/{id}/rotate-secret/    POST a new secret (answered once), the old one stops at once
- webhooks/endpoints/{id}/ping/         POST a test event sent at once: the delivery with its outcome
- webhooks/deliveries/                  GET the delivery log (?endpoint, ?status, ?event)
- webhooks/deliveries/{id}/             GET one, with the receiver's answer
- webhooks/deliveries/{id}/redeliver/   POST the same event again (a new delivery, same event id)
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import Requires
from core.api import ERROR_RESPONSES, step_schema, valid
from core.idempotency import Idempotent
from core.ids import IdFilter
from core.paging import NewestIdFirst
from core.text import text_limit
from estate.api import AUTHENTICATION_CLASSES
from webhooks import selectors, services
from webhooks.choices import Event, Status
from webhooks.models import Delivery, Endpoint

managers = Requires("webhooks.manage", _("只有公司管理员可以设置 Webhook。"))


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField(), read_only=True, label=_("订阅事件"))
    secret_hint = serializers.CharField(read_only=True, label=_("签名密钥（末四位）"))

    class Meta:
        model = Endpoint
        fields = [
            "id", "name", "url", "events", "active", "consecutive_failures", "disabled_at", "disabled_reason",
            "secret_hint", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    """The answer to adding an endpoint and to rotating its secret: the only times the secret is shown."""

    secret = serializers.CharField(read_only=True, label=_("签名密钥（只显示这一次）"))

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointInputSerializer(serializers.Serializer):
    """The page's form (webhooks.forms.EndpointForm). On PATCH what is left out stays as it is."""

    name = serializers.CharField(max_length=text_limit(Endpoint, "name"), label=_("名称"))
    url = serializers.CharField(
        max_length=text_limit(Endpoint, "url"),
        label=_("接收地址"),
        help_text=_("对方系统接收 POST 的 https:// 地址；不允许内网、本机或保留地址。"),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices), allow_empty=True, max_length=50, label=_("订阅事件")
    )


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices, read_only=True, label=_("状态"))
    payload = serializers.JSONField(read_only=True, label=_("内容"))

    class Meta:
        model = Delivery
        fields = [
            "id", "endpoint", "event_id", "event", "payload", "status", "attempts", "next_attempt_at",
            "response_code", "response_body", "error", "duration_ms", "created_at", "last_attempt_at",
            "delivered_at", "redelivery_of", "requested_by",
        ]  # fmt: skip
        read_only_fields = fields


class DeliveryFilter(django_filters.FilterSet):
    endpoint = IdFilter(label=_("接收端"), field_name="endpoint_id")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices)
    event = django_filters.CharFilter(label=_("事件"), max_length=50)

    class Meta:
        model = Delivery
        fields = ["endpoint", "status", "event"]


@extend_schema_view(
    list=extend_schema(summary=_("Webhook 接收端列表"), tags=["webhooks"]),
    retrieve=extend_schema(summary=_("一个 Webhook 接收端"), tags=["webhooks"]),
)
class EndpointViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [managers]
    serializer_class = EndpointSerializer
    pagination_class = NewestIdFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Endpoint.objects.none()
        return selectors.endpoints(self.request.user)

    @extend_schema(
        summary=_("添加 Webhook 接收端"),
        description=_("签名密钥只在这里和更换密钥时返回一次，请立即保存。"),
        tags=["webhooks"],
        request=EndpointInputSerializer,
        responses={201: EndpointWithSecretSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        data = valid(EndpointInputSerializer, request)
        d = data.validated_data
        endpoint = services.endpoint_create(actor=request.user, name=d["name"], url=d["url"], events=d["events"])
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("修改 Webhook 接收端"),
        description=_("未提供的字段保持不变；地址会重新检查。"),
        tag="webhooks",
        request=EndpointInputSerializer,
        response=EndpointSerializer,
    )
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = valid(EndpointInputSerializer, request, partial=True)
        d = data.validated_data
        endpoint = services.endpoint_update(
            actor=request.user,
            endpoint=endpoint,
            name=d.get("name", endpoint.name),
            url=d.get("url", endpoint.url),
            events=d.get("events", endpoint.events),
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(
        summary=_("删除 Webhook 接收端"),
        description=_("只能删除从未投递过的接收端；已有投递记录的会被拒绝（403），请改为停用，以保留投递记录。"),
        tags=["webhooks"],
        responses={204: None, **ERROR_RESPONSES},
    )
    def destroy(self, request, pk=None):
        services.endpoint_delete(actor=request.user, endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _act(self, call, serializer=EndpointSerializer):
        return Response(serializer(call(actor=self.request.user, endpoint=self.get_object())).data)

    @step_schema(
        _("停用 Webhook 接收端"),
        tag="webhooks",
        request=None,
        response=EndpointSerializer,
    )
    @action(detail=True, methods=["post"], url_path="disable", url_name="disable")
    def disable(self, request, pk=None):
        return self._act(services.endpoint_disable)

    @step_schema(
        _("重新启用 Webhook 接收端"),
        tag="webhooks",
        request=None,
        response=EndpointSerializer,
    )
    @action(detail=True, methods=["post"], url_path="enable", url_name="enable")
    def enable(self, request, pk=None):
        return self._act(services.endpoint_enable)

    @step_schema(
        _("更换签名密钥"),
        description=_("旧密钥立即失效；新密钥只在这次返回。"),
        tag="webhooks",
        request=None,
        response=EndpointWithSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, pk=None):
        return self._act(services.endpoint_rotate_secret, EndpointWithSecretSerializer)

    @extend_schema(
        summary=_("发送测试事件"),
        description=_("立即发送一次 ping，返回这次投递及对方的回应。"),
        tags=["webhooks"],
        request=None,
        responses={201: DeliverySerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="ping", url_name="ping")
    def ping(self, request, pk=None):
        delivery = services.endpoint_ping(actor=request.user, endpoint=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("Webhook 投递记录"), tags=["webhooks"]),
    retrieve=extend_schema(summary=_("一次 Webhook 投递"), tags=["webhooks"]),
)
class DeliveryViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [managers]
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return Delivery.objects.filter(endpoint__company_id=self.request.user.company_id).select_related("endpoint")

    @extend_schema(
        summary=_("重新投递"),
        description=_("同一事件（同一事件编号）作为一次新的投递立即发送。"),
        tags=["webhooks"],
        request=None,
        responses={201: DeliverySerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="redeliver", url_name="redeliver")
    def redeliver(self, request, pk=None):
        again = services.delivery_redeliver(actor=request.user, delivery=self.get_object())
        return Response(DeliverySerializer(again).data, status=status.HTTP_201_CREATED)
