"""The money side over the API: bills and money entries (scoped like the pages, cursor-paged) and
posting a payment at the desk.

- /api/billing/bills/            GET list (filters: room, project, state), GET one with its lines
- /api/billing/entries/          GET list (filters: room, project, kind), GET one
- /api/billing/entries/          POST a payment (cash, transfer, card). `Idempotency-Key` is the
  API's one mechanism (core/idempotency.py: per user, the stored answer replayed, another body 409);
  the key is passed on to `payment_post` too, whose unique (project, key) on the entry keeps a
  payment from being posted twice under one key by anyone of the project (the page's one-time key
  uses the same guard).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from billing.choices import ONLINE_METHODS, BillState, EntryKind, EntryState, Method, Payer
from billing.models import Bill, BillLine, Entry
from billing.money import parse_amount
from billing.selectors import visible_bills, visible_entries
from billing.services import payment_post
from core.api import ERROR_RESPONSES, valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.paging import NewestIdFirst
from core.text import text_limit
from estate.api import AUTHENTICATION_CLASSES
from estate.selectors import visible_rooms

# ---------------------------------------------------------------- serializers


class BillLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True, label=_("收费项目名称"))

    class Meta:
        model = BillLine
        fields = ["id", "item", "item_name", "description", "quantity", "price", "months", "amount_fen", "paid_fen"]
        read_only_fields = fields


class BillSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    open_fen = serializers.IntegerField(read_only=True, label=_("未缴(分)"))
    state = serializers.ChoiceField(choices=BillState.choices, read_only=True, label=_("状态"))
    state_display = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    payer = serializers.ChoiceField(choices=Payer.choices, read_only=True, label=_("付款方"))
    lines = BillLineSerializer(many=True, read_only=True, label=_("明细"))

    class Meta:
        model = Bill
        fields = [
            "id",
            "number",
            "project",
            "room",
            "room_code",
            "period_start",
            "period_end",
            "payer",
            "issued_on",
            "due_on",
            "total_fen",
            "paid_fen",
            "open_fen",
            "state",
            "state_display",
            "disputed",
            "lines",
        ]
        read_only_fields = fields


class EntrySerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    kind = serializers.ChoiceField(choices=EntryKind.choices, read_only=True, label=_("类型"))
    method = serializers.ChoiceField(choices=Method.choices, read_only=True, label=_("方式"))
    state = serializers.ChoiceField(choices=EntryState.choices, read_only=True, label=_("状态"))
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, label=_("冲红原单"))
    receipt_url = serializers.SerializerMethodField(label=_("收据 PDF"))

    class Meta:
        model = Entry
        fields = [
            "id",
            "number",
            "project",
            "room",
            "room_code",
            "kind",
            "method",
            "amount_fen",
            "rest_fen",
            "state",
            "reverses",
            "reason",
            "payer_name",
            "note",
            "created_at",
            "posted_at",
            "receipt_url",
        ]
        read_only_fields = fields

    def get_receipt_url(self, entry) -> str | None:
        from django.urls import reverse

        if entry.state != EntryState.POSTED:
            return None
        return reverse("billing:receipt", args=[entry.pk])


DESK_METHODS = [(m.value, m.label) for m in Method if m not in ONLINE_METHODS]


class PaymentInSerializer(serializers.Serializer):
    room = ApiIdField(label=_("房屋"))
    amount = serializers.CharField(
        label=_("金额（元）"), max_length=20, help_text=_('最多两位小数的字符串，如 "1280.50"；不接受浮点数')
    )
    method = serializers.ChoiceField(choices=DESK_METHODS, label=_("方式"))
    bills = serializers.ListField(
        child=ApiIdField(),
        required=False,
        max_length=100,
        label=_("缴哪些账单"),
        help_text=_("不填则从最早的欠费开始核销"),
    )
    payer_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(Entry, "payer_name"), label=_("缴款人")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(Entry, "note"), label=_("备注")
    )

    def validate_amount(self, value):
        from django.core.exceptions import ValidationError as DjangoValidationError

        if not isinstance(self.initial_data.get("amount"), str):
            raise serializers.ValidationError(_('金额请用字符串，如 "1280.50"。'))
        try:
            return parse_amount(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


# ---------------------------------------------------------------- filters and paging


class BillFilter(django_filters.FilterSet):
    room = IdFilter(label=_("房屋"), field_name="room_id")
    project = IdFilter(label=_("项目"), field_name="project_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=BillState.choices, coerce=int)

    class Meta:
        model = Bill
        fields = ["room", "project", "state"]


class EntryFilter(django_filters.FilterSet):
    room = IdFilter(label=_("房屋"), field_name="room_id")
    project = IdFilter(label=_("项目"), field_name="project_id")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=EntryKind.choices)

    class Meta:
        model = Entry
        fields = ["room", "project", "kind"]


@extend_schema_view(
    list=extend_schema(summary=_("账单列表"), tags=["billing"]),
    retrieve=extend_schema(summary=_("账单及其明细"), tags=["billing"]),
)
class BillViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    serializer_class = BillSerializer
    filterset_class = BillFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return visible_bills(self.request.user).select_related("room").prefetch_related("lines__item")


@extend_schema_view(
    list=extend_schema(summary=_("收退款记录列表"), tags=["billing"]),
    retrieve=extend_schema(summary=_("一笔收退款记录"), tags=["billing"]),
)
class EntryViewSet(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return visible_entries(self.request.user).select_related("room")

    @extend_schema(
        summary=_("收款（现金、银行转账、刷卡）"),
        tags=["billing"],
        request=PaymentInSerializer,
        responses={201: EntrySerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        data = valid(PaymentInSerializer, request)
        values = data.validated_data
        room = visible_rooms(request.user).select_related("project__company").filter(pk=values["room"]).first()
        if room is None:
            raise NotFound(_("房屋不存在或您无权查看。"))
        entry = payment_post(
            actor=request.user,
            room=room,
            amount_fen=values["amount"],
            method=values["method"],
            bill_ids=values.get("bills") or None,
            payer_name=values["payer_name"],
            note=values["note"],
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
        response = Response(EntrySerializer(entry, context={"request": request}).data, status=status.HTTP_201_CREATED)
        if getattr(entry, "replayed", False):
            response["Idempotent-Replayed"] = "true"
        return response
