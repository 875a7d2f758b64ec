"""The duty desk under /api/duty/ (propdesk/api_urls.py): the roster (read) and the duty log (read,
write), for the people the duty pages are for (duty.rules.may_view: the desk and those above it),
over the projects they work in.

- duty/roster/          GET the roster's assignments (?project, ?day_from, ?day_to, ?user, ?state)
- duty/roster/{id}/     GET one
- duty/log/             GET the duty log (?project, ?category, ?hand_over), POST a line (services.log_add)
- duty/log/{id}/        GET one line
- duty/key-loans/       GET key loans (?project, ?out), POST lend a key (services.key_lend),
                        GET key-loans/{id}/, POST key-loans/{id}/return/ (services.key_return)
- duty/swaps/           GET swap requests (?project, ?state), POST ask for one (services.swap_request),
                        GET swaps/{id}/, POST swaps/{id}/approve/, reject/ (services.swap_decide),
                        withdraw/ (services.swap_withdraw)
- duty/handovers/       GET handovers (?project, ?state), POST start one (services.handover_start),
                        GET handovers/{id}/ (its counts and items); POST handovers/{id}/save/,
                        sign-out/ (the outgoing person), answer/, ack-all/, sign-in/ (the incoming
                        person), cancel/ (the outgoing person or a roster editor)

Who may is the pages' (duty/views.py): duty.rules' guards for the user's role (keys and handovers
are the desk's: `keeper`), the service for the record's person and state (a refusal is its 403,
nothing changed); a record of a project not the user's is a 404.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.access import Requires
from core.api import ERROR_RESPONSES, step_schema, valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.models import User
from core.paging import KeysetPagination
from core.text import text_limit
from duty import rules, selectors, services
from duty.choices import DUTY_ROLES, AssignmentState, HandoverState, ItemAnswer, LogCategory, SwapState
from duty.models import Assignment, Handover, HandoverCount, HandoverItem, Key, KeyLoan, LogEntry, SwapRequest
from estate.api import AUTHENTICATION_CLASSES

viewer = Requires("duty.view", _("只有客服人员和管理人员可以查看值班。"))
keeper = Requires("duty.keep", _("只有客服前台/值班人员可以办理。"))
handover_starter = Requires("duty.keep", _("只有客服前台/值班人员可以发起交接班。"))


class AssignmentSerializer(serializers.ModelSerializer):
    shift_name = serializers.CharField(source="shift.name", read_only=True, label=_("班次"))
    shift_start = serializers.TimeField(source="shift.start", read_only=True, label=_("开始"))
    shift_end = serializers.TimeField(source="shift.end", read_only=True, label=_("结束"))
    user_name = serializers.CharField(source="user.name", read_only=True, label=_("值班人"))
    state = serializers.ChoiceField(choices=AssignmentState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = Assignment
        fields = [
            "id",
            "project",
            "day",
            "shift",
            "shift_name",
            "shift_start",
            "shift_end",
            "user",
            "user_name",
            "state",
        ]
        read_only_fields = fields


class LogEntrySerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.name", read_only=True, label=_("记录人"))
    category = serializers.ChoiceField(choices=LogCategory.choices, label=_("类别"))

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "project",
            "at",
            "category",
            "text",
            "hand_over",
            "author",
            "author_name",
            "created_at",
            "corrects",
        ]
        read_only_fields = ["id", "project", "author", "author_name", "created_at", "corrects"]


class LogEntryInSerializer(serializers.Serializer):
    project = ApiIdField(label=_("项目"))
    category = serializers.ChoiceField(choices=LogCategory.choices, label=_("类别"))
    text = serializers.CharField(max_length=text_limit(LogEntry, "text"), label=_("内容"))
    at = serializers.DateTimeField(required=False, allow_null=True, default=None, label=_("发生时间"))
    hand_over = serializers.BooleanField(default=False, label=_("需交接"))
    corrects = ApiIdField(required=False, allow_null=True, default=None, label=_("更正哪条记录"))


class AssignmentFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    user = IdFilter(label=_("值班人"), field_name="user_id")
    day_from = django_filters.DateFilter(label=_("日期自"), field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(label=_("日期至"), field_name="day", lookup_expr="lte")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=AssignmentState.choices, coerce=int)

    class Meta:
        model = Assignment
        fields = ["project", "user", "day_from", "day_to", "state"]


class LogEntryFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    category = django_filters.ChoiceFilter(label=_("类别"), choices=LogCategory.choices)
    hand_over = django_filters.BooleanFilter(label=_("需交接"))

    class Meta:
        model = LogEntry
        fields = ["project", "category", "hand_over"]


class ByDay(KeysetPagination):
    ordering = ("-day", "-id")


class NewestFirst(KeysetPagination):
    ordering = ("-at", "-id")


@extend_schema_view(
    list=extend_schema(summary=_("排班"), tags=["duty"]),
    retrieve=extend_schema(summary=_("一条排班"), tags=["duty"]),
)
class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [viewer]
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    pagination_class = ByDay

    def get_queryset(self):
        return selectors.visible_assignments(self.request.user)


@extend_schema_view(
    list=extend_schema(summary=_("值班记录"), tags=["duty"]),
    retrieve=extend_schema(summary=_("一条值班记录"), tags=["duty"]),
)
class LogEntryViewSet(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [viewer]
    serializer_class = LogEntrySerializer
    filterset_class = LogEntryFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.visible_log_entries(self.request.user)

    @extend_schema(
        summary=_("写值班记录"),
        tags=["duty"],
        request=LogEntryInSerializer,
        responses={201: LogEntrySerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        data = valid(LogEntryInSerializer, request)
        d = data.validated_data
        project = rules.project_for(request.user, d["project"])
        corrects = None
        if d["corrects"] is not None:
            corrects = LogEntry.objects.filter(project=project, pk=d["corrects"]).first()
            if corrects is None:
                raise serializers.ValidationError({"corrects": [_("被更正的记录不属于这个项目。")]})
        entry = services.log_add(
            actor=request.user,
            project=project,
            category=d["category"],
            text=d["text"],
            at=d["at"],
            hand_over=d["hand_over"],
            corrects=corrects,
        )
        return Response(LogEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- keys


class KeyLoanSerializer(serializers.ModelSerializer):
    key_code = serializers.CharField(source="key.code", read_only=True, label=_("钥匙编号"))
    key_name = serializers.CharField(source="key.name", read_only=True, label=_("钥匙"))

    class Meta:
        model = KeyLoan
        fields = [
            "id", "project", "key", "key_code", "key_name", "borrower_name", "borrower_unit", "borrower_phone",
            "purpose", "lent_at", "due_back", "lent_by", "returned_at", "returned_to", "return_note",
        ]  # fmt: skip
        read_only_fields = fields


class LendSerializer(serializers.Serializer):
    key = ApiIdField(label=_("钥匙"))
    borrower_name = serializers.CharField(max_length=text_limit(KeyLoan, "borrower_name"), label=_("借用人"))
    borrower_unit = serializers.CharField(
        max_length=text_limit(KeyLoan, "borrower_unit"), required=False, allow_blank=True, default="",
        label=_("借用单位/部门"),
    )  # fmt: skip
    borrower_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", label=_("借用人电话")
    )
    purpose = serializers.CharField(max_length=text_limit(KeyLoan, "purpose"), label=_("用途"))
    due_back = serializers.DateTimeField(label=_("应还时间"))


class KeyReturnSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=text_limit(KeyLoan, "return_note"), required=False, allow_blank=True, default="", label=_("归还说明")
    )


class KeyLoanFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    out = django_filters.BooleanFilter(label=_("未归还"), field_name="returned_at", lookup_expr="isnull")

    class Meta:
        model = KeyLoan
        fields = ["project", "out"]


class NewestLoanFirst(KeysetPagination):
    ordering = ("-lent_at", "-id")


@extend_schema_view(
    list=extend_schema(summary=_("钥匙借用记录"), tags=["duty"]),
    retrieve=extend_schema(summary=_("一条钥匙借用记录"), tags=["duty"]),
)
class KeyLoanViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    """Keys lent and taken back at the desk (the keys page): those who keep duty lend and take back."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [viewer]
    serializer_class = KeyLoanSerializer
    filterset_class = KeyLoanFilter
    pagination_class = NewestLoanFirst

    def get_queryset(self):
        return selectors.visible_key_loans(self.request.user)

    @extend_schema(
        summary=_("借出钥匙"),
        tags=["duty"],
        request=LendSerializer,
        responses={201: KeyLoanSerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        keeper.check(request.user)
        data = valid(LendSerializer, request)
        d = data.validated_data
        key = Key.objects.filter(pk=d.pop("key"), project_id__in=request.user.project_ids()).first()
        if key is None:
            raise NotFound(_("没有找到这把钥匙。"))
        loan = services.key_lend(actor=request.user, key=key, **d)
        return Response(KeyLoanSerializer(loan).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("登记钥匙归还"),
        tag="duty",
        request=KeyReturnSerializer,
        response=KeyLoanSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def give_back(self, request, pk=None):
        loan = self.get_object()
        data = valid(KeyReturnSerializer, request)
        loan = services.key_return(actor=request.user, loan=loan, note=data.validated_data["note"])
        return Response(KeyLoanSerializer(self.get_queryset().get(pk=loan.pk)).data)


# ---------------------------------------------------------------- swaps


class SwapSerializer(serializers.ModelSerializer):
    day = serializers.DateField(source="assignment.day", read_only=True, label=_("日期"))
    shift_name = serializers.CharField(source="assignment.shift.name", read_only=True, label=_("班次"))
    user = serializers.IntegerField(source="assignment.user_id", read_only=True, label=_("值班人"))
    state = serializers.ChoiceField(choices=SwapState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = SwapRequest
        fields = [
            "id", "assignment", "day", "shift_name", "user", "asked_by", "cover", "reason", "state", "created_at",
            "decided_by", "decided_at", "decision_note",
        ]  # fmt: skip
        read_only_fields = fields


class SwapInSerializer(serializers.Serializer):
    assignment = ApiIdField(label=_("原排班"))
    cover = ApiIdField(label=_("顶班人"))
    reason = serializers.CharField(max_length=text_limit(SwapRequest, "reason"), label=_("调班原因"))


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=text_limit(SwapRequest, "decision_note"), required=False, allow_blank=True, default="",
        label=_("意见"),
    )  # fmt: skip


class SwapFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="assignment__project_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=SwapState.choices, coerce=int)

    class Meta:
        model = SwapRequest
        fields = ["project", "state"]


@extend_schema_view(
    list=extend_schema(summary=_("调班申请"), tags=["duty"]),
    retrieve=extend_schema(summary=_("一条调班申请"), tags=["duty"]),
)
class SwapViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    """Swaps of the roster, as the roster page: the person on duty (or a roster editor for them) asks
    for a cover, a roster editor not part of it approves or rejects, the one who asked withdraws."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [viewer]
    serializer_class = SwapSerializer
    filterset_class = SwapFilter
    pagination_class = KeysetPagination  # newest first

    def get_queryset(self):
        return selectors.visible_swaps(self.request.user)

    def _answer(self, swap) -> Response:
        return Response(SwapSerializer(self.get_queryset().get(pk=swap.pk)).data)

    @extend_schema(
        summary=_("申请调班"),
        tags=["duty"],
        request=SwapInSerializer,
        responses={201: SwapSerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        data = valid(SwapInSerializer, request)
        d = data.validated_data
        assignment = selectors.visible_assignments(request.user).filter(pk=d["assignment"]).first()
        if assignment is None:
            raise NotFound(_("没有找到这条排班。"))
        cover = User.objects.filter(pk=d["cover"], projects=assignment.project_id).first()
        if cover is None:
            raise serializers.ValidationError({"cover": [_("顶班人必须是本项目可以排班的人员。")]})
        swap = services.swap_request(actor=request.user, assignment=assignment, cover=cover, reason=d["reason"])
        response = self._answer(swap)
        response.status_code = status.HTTP_201_CREATED
        return response

    def _decide(self, request, approve: bool) -> Response:
        swap = self.get_object()
        data = valid(DecisionSerializer, request)
        swap = services.swap_decide(actor=request.user, swap=swap, approve=approve, note=data.validated_data["note"])
        return self._answer(swap)

    @step_schema(_("批准调班"), tag="duty", request=DecisionSerializer, response=SwapSerializer)
    @action(detail=True, methods=["post"], url_path="approve", url_name="approve")
    def approve(self, request, pk=None):
        return self._decide(request, True)

    @step_schema(_("驳回调班"), tag="duty", request=DecisionSerializer, response=SwapSerializer)
    @action(detail=True, methods=["post"], url_path="reject", url_name="reject")
    def reject(self, request, pk=None):
        return self._decide(request, False)

    @step_schema(_("撤回调班申请"), tag="duty", request=None, response=SwapSerializer)
    @action(detail=True, methods=["post"], url_path="withdraw", url_name="withdraw")
    def withdraw(self, request, pk=None):
        swap = services.swap_withdraw(actor=request.user, swap=self.get_object())
        return self._answer(swap)


# ---------------------------------------------------------------- handovers


class HandoverCountSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandoverCount
        fields = ["id", "name", "unit", "expected", "counted", "explanation"]
        read_only_fields = fields


class HandoverItemSerializer(serializers.ModelSerializer):
    answer = serializers.ChoiceField(choices=ItemAnswer.choices, read_only=True, label=_("接班确认"))

    class Meta:
        model = HandoverItem
        fields = ["id", "kind", "kind_label", "title", "detail", "since", "order", "answer", "reason", "answered_at"]
        read_only_fields = fields


class HandoverSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=HandoverState.choices, read_only=True, label=_("状态"))
    outgoing_name = serializers.CharField(source="outgoing.name", read_only=True, label=_("交班人"))
    incoming_name = serializers.CharField(source="incoming.name", read_only=True, label=_("接班人"))

    class Meta:
        model = Handover
        fields = [
            "id", "project", "outgoing", "outgoing_name", "incoming", "incoming_name", "shift", "period_start",
            "started_at", "state", "notes", "outgoing_signed_at", "incoming_signed_at", "incoming_comment",
            "cancelled_at", "cancel_reason", "item_count",
        ]  # fmt: skip
        read_only_fields = fields


class HandoverDetailSerializer(HandoverSerializer):
    counts = HandoverCountSerializer(many=True, read_only=True, label=_("清点"))
    items = HandoverItemSerializer(many=True, read_only=True, label=_("交接事项"))

    class Meta(HandoverSerializer.Meta):
        fields = [*HandoverSerializer.Meta.fields, "counts", "items"]
        read_only_fields = fields


class HandoverStartSerializer(serializers.Serializer):
    project = ApiIdField(label=_("项目"))
    incoming = ApiIdField(label=_("接班人"))


class CountInSerializer(serializers.Serializer):
    count = ApiIdField(label=_("清点项"))
    counted = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, label=_("实点数量"))
    explanation = serializers.CharField(
        max_length=text_limit(HandoverCount, "explanation"), required=False, allow_blank=True, default="",
        label=_("差异说明"),
    )  # fmt: skip


class HandoverSaveSerializer(serializers.Serializer):
    notes = serializers.CharField(
        max_length=text_limit(Handover, "notes"), required=False, allow_blank=True, allow_null=True, default=None,
        label=_("交班说明"),
    )  # fmt: skip
    # A save may give some counts and leave the rest (services.handover_save): 100 at a time is plenty.
    counts = CountInSerializer(many=True, required=False, default=list, max_length=100, label=_("清点"))


class ItemAnswerSerializer(serializers.Serializer):
    item = ApiIdField(label=_("交接事项"))
    accept = serializers.BooleanField(default=True, label=_("确认"))
    reason = serializers.CharField(
        max_length=text_limit(HandoverItem, "reason"), required=False, allow_blank=True, default="",
        label=_("拒收原因"),
    )  # fmt: skip


class SignInSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=text_limit(Handover, "incoming_comment"), required=False, allow_blank=True, default="",
        label=_("接班意见"),
    )  # fmt: skip


class HandoverCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=text_limit(Handover, "cancel_reason"), required=False, allow_blank=True, default="",
        label=_("作废原因"),
    )  # fmt: skip


class HandoverFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=HandoverState.choices, coerce=int)

    class Meta:
        model = Handover
        fields = ["project", "state"]


class NewestHandoverFirst(KeysetPagination):
    ordering = ("-started_at", "-id")


@extend_schema_view(
    list=extend_schema(summary=_("交接班记录"), tags=["duty"]),
    retrieve=extend_schema(
        summary=_("一次交接班（含清点与交接事项）"), tags=["duty"], responses=HandoverDetailSerializer
    ),
)
class HandoverViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    """The handover as its page: the outgoing person starts it (open items gathered), writes notes and
    counts, signs out; the incoming person answers each item (or all at once) and signs in; the
    outgoing person or a roster editor cancels one not completed. Each step is the service's."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [viewer]
    serializer_class = HandoverSerializer
    filterset_class = HandoverFilter
    pagination_class = NewestHandoverFirst

    def get_queryset(self):
        return selectors.visible_handovers(self.request.user)

    def get_serializer_class(self):
        return HandoverSerializer if self.action == "list" else HandoverDetailSerializer

    def _detail(self, pk) -> Response:
        handover = self.get_queryset().prefetch_related("counts", "items").get(pk=pk)
        return Response(HandoverDetailSerializer(handover).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(
        summary=_("发起交接班"),
        tags=["duty"],
        request=HandoverStartSerializer,
        responses={201: HandoverDetailSerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        handover_starter.check(request.user)
        data = valid(HandoverStartSerializer, request)
        d = data.validated_data
        project = rules.project_for(request.user, d["project"])
        incoming = User.objects.filter(
            pk=d["incoming"], projects=project, is_active=True, role__in=[str(r) for r in DUTY_ROLES]
        ).first()
        if incoming is None:
            raise serializers.ValidationError({"incoming": [_("接班人必须是本项目的客服/前台人员。")]})
        handover = services.handover_start(actor=request.user, project=project, incoming=incoming)
        response = self._detail(handover.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @step_schema(
        _("保存交班内容"),
        tag="duty",
        request=HandoverSaveSerializer,
        response=HandoverDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="save", url_name="save")
    def save(self, request, pk=None):
        handover = self.get_object()
        data = valid(HandoverSaveSerializer, request)
        d = data.validated_data
        services.handover_save(
            actor=request.user,
            handover=handover,
            notes=handover.notes if d["notes"] is None else d["notes"],
            counts={c["count"]: (c["counted"], c["explanation"]) for c in d["counts"]},
        )
        return self._detail(handover.pk)

    @step_schema(_("交班签字"), tag="duty", request=None, response=HandoverDetailSerializer)
    @action(detail=True, methods=["post"], url_path="sign-out", url_name="sign-out")
    def sign_out(self, request, pk=None):
        handover = self.get_object()
        services.handover_sign_out(actor=request.user, handover=handover)
        return self._detail(handover.pk)

    @step_schema(
        _("确认或拒收一项交接事项"),
        tag="duty",
        request=ItemAnswerSerializer,
        response=HandoverItemSerializer,
    )
    @action(detail=True, methods=["post"], url_path="answer", url_name="answer")
    def answer(self, request, pk=None):
        handover = self.get_object()
        data = valid(ItemAnswerSerializer, request)
        d = data.validated_data
        item = HandoverItem.objects.select_related("handover").filter(pk=d["item"], handover=handover).first()
        if item is None:
            raise serializers.ValidationError({"item": [_("这次交接班没有这一项。")]})
        item = services.handover_answer(actor=request.user, item=item, accept=d["accept"], reason=d["reason"])
        return Response(HandoverItemSerializer(item).data)

    @step_schema(
        _("确认全部未确认的交接事项"),
        tag="duty",
        request=None,
        response=HandoverDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="ack-all", url_name="ack-all")
    def ack_all(self, request, pk=None):
        handover = self.get_object()
        services.handover_acknowledge_all(actor=request.user, handover=handover)
        return self._detail(handover.pk)

    @step_schema(
        _("接班签字"),
        tag="duty",
        request=SignInSerializer,
        response=HandoverDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="sign-in", url_name="sign-in")
    def sign_in(self, request, pk=None):
        handover = self.get_object()
        data = valid(SignInSerializer, request)
        services.handover_sign_in(actor=request.user, handover=handover, comment=data.validated_data["comment"])
        return self._detail(handover.pk)

    @step_schema(
        _("作废交接班"),
        tag="duty",
        request=HandoverCancelSerializer,
        response=HandoverDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request, pk=None):
        handover = self.get_object()
        data = valid(HandoverCancelSerializer, request)
        services.handover_cancel(actor=request.user, handover=handover, reason=data.validated_data["reason"])
        return self._detail(handover.pk)
