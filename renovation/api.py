"""Renovation under /api/renovations/ (propdesk/api_urls.py): the applications a user may see (staff:
their projects'; a resident: their rooms' and their own, renovation/selectors.py), one by id, and an
application through `renovation_apply` (the desk for an owner, or the owner for their own room;
the service decides, as on the page; drawings are added afterwards, `add-drawings`).

The workflow's steps are the page's (renovation/views.py `renovation_act`, `renovation_inspect_view`,
`renovation_resubmit_view`), each through the same service: an application the user may not see is
a 404; a role that may not take the step at all a 403 (`rules.role_refusal`, before the body is
read); the state and the step's own rules are the service's (a refusal is a 403 with its reason, a
stale `version` a 409, bad input a 400 with field errors; nothing is changed). Each answers the
application as it now is.

- renovations/        GET list (?project, ?room, ?state), POST apply
- renovations/{id}/   GET one, with its workers and their passes, its violations, and the steps the
                      user may take now (`allowed_actions`)
- renovations/{id}/approve/ | send-back/ | reject/ | resubmit/ | add-drawings/ | cancel/   review
- renovations/{id}/pay/ | issue-permit/ | add-worker/ | issue-pass/ | revoke-pass/   fees, permit, passes
- renovations/{id}/inspect/ | rectify/ | to-request/ | accept/ | refund/         works, acceptance, deposit
"""

import django_filters
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.access import Requires, forbid
from core.api import ERROR_RESPONSES, FileSerializer, step_schema, valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.paging import KeysetPagination
from core.text import text_limit
from estate.api import AUTHENTICATION_CLASSES, PhoneField
from estate.selectors import visible_rooms
from renovation import rules, selectors, services
from renovation.choices import Action, FeeKind, InspectionResult, State
from renovation.models import (
    Deduction,
    Inspection,
    Payment,
    Renovation,
    RenovationEvent,
    RenovationFile,
    Violation,
    Worker,
    WorkerPass,
)

browser = Requires("renovation.browse", _("请先登录。"))


class RenovationSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    state = serializers.ChoiceField(choices=State.choices, read_only=True, label=_("状态"))
    state_display = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    owner_phone = PhoneField(label=_("业主手机"))
    contractor_phone = PhoneField(label=_("施工负责人手机"))

    class Meta:
        model = Renovation
        fields = [
            "id", "number", "project", "room", "room_code", "owner_name", "owner_phone", "scope",
            "planned_start", "planned_end", "contractor_name", "contractor_person", "contractor_phone",
            "state", "state_display", "version", "by_resident", "submitted_at", "review_due_at", "reviewed_at",
            "review_note", "deposit_due", "fee_due", "permit_number", "permit_issued_at", "accepted_at",
            "refund_due_on", "refunded_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class WorkerPassOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkerPass
        fields = ["id", "number", "issued_at", "valid_until", "revoked_at", "revoke_reason"]
        read_only_fields = fields


class WorkerOutSerializer(serializers.ModelSerializer):
    phone = PhoneField(label=_("手机"))
    id_number_masked = serializers.CharField(source="masked_id_number", read_only=True, label=_("身份证号"))
    passes = WorkerPassOutSerializer(many=True, read_only=True, label=_("出入证"))

    class Meta:
        model = Worker
        fields = ["id", "name", "trade", "phone", "id_number_masked", "added_at", "passes"]
        read_only_fields = fields


class ViolationOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Violation
        fields = ["id", "inspection", "description", "rectified_at", "rectify_note", "request"]
        read_only_fields = fields


# The page's actions (renovation/choices.py Action) by the name of their step under /api/renovations/{id}/.
STEP_NAMES = {
    Action.APPROVE: "approve",
    Action.SEND_BACK: "send-back",
    Action.REJECT: "reject",
    Action.RESUBMIT: "resubmit",
    Action.ADD_DRAWINGS: "add-drawings",
    Action.CANCEL: "cancel",
    Action.PAY: "pay",
    Action.ISSUE_PERMIT: "issue-permit",
    Action.ADD_WORKER: "add-worker",
    Action.ISSUE_PASS: "issue-pass",
    Action.REVOKE_PASS: "revoke-pass",
    Action.INSPECT: "inspect",
    Action.RECTIFY: "rectify",
    Action.TO_REQUEST: "to-request",
    Action.ACCEPT: "accept",
    Action.REFUND: "refund",
}


class RenovationFileSerializer(FileSerializer):
    url_name = "renovation:file"

    class Meta:
        model = RenovationFile
        fields = ["id", "kind", "violation", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields


class RenovationDetailSerializer(RenovationSerializer):
    workers = WorkerOutSerializer(many=True, read_only=True, label=_("施工人员"))
    violations = ViolationOutSerializer(many=True, read_only=True, label=_("违规记录"))
    files = RenovationFileSerializer(many=True, read_only=True, label=_("图纸与照片"))
    allowed_actions = serializers.SerializerMethodField(
        label=_("当前用户可执行的操作"),
        help_text=_("现在可以执行的步骤；注销出入证、确认整改、转工单针对其中一张出入证或一条违规。"),
    )

    class Meta(RenovationSerializer.Meta):
        fields = [*RenovationSerializer.Meta.fields, "workers", "violations", "files", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(STEP_NAMES.values()))))
    def get_allowed_actions(self, renovation) -> list[str]:
        user = self.context["request"].user
        allowed = set(rules.allowed_actions(user, renovation)) | rules.allowed_row_actions(user, renovation)
        return [name for action_, name in STEP_NAMES.items() if action_ in allowed]


# The most rows one body may carry (an application's workers, a refund's deductions): more is a field error.
LIST_LIMIT = 50

# What the detail shows of an application's own rows, read in one query each, not one per worker.
DETAIL_ROWS = ("workers__passes", "violations", "files")


class WorkerInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=text_limit(Worker, "name"), label=_("姓名"))
    id_number = serializers.CharField(max_length=text_limit(Worker, "id_number"), label=_("身份证号"))
    phone = serializers.CharField(max_length=20, label=_("手机"))
    trade = serializers.CharField(
        max_length=text_limit(Worker, "trade"), required=False, allow_blank=True, default="", label=_("工种")
    )


class ApplicationSerializer(serializers.Serializer):
    room = ApiIdField(label=_("房屋"))
    scope = serializers.CharField(max_length=text_limit(Renovation, "scope"), label=_("装修内容"))
    planned_start = serializers.DateField(label=_("计划开工"))
    planned_end = serializers.DateField(label=_("计划完工"))
    contractor_name = serializers.CharField(max_length=text_limit(Renovation, "contractor_name"), label=_("施工单位"))
    contractor_licence = serializers.CharField(
        max_length=text_limit(Renovation, "contractor_licence"), label=_("营业执照或资质证号")
    )
    contractor_person = serializers.CharField(
        max_length=text_limit(Renovation, "contractor_person"), label=_("施工负责人")
    )
    contractor_phone = serializers.CharField(max_length=20, label=_("施工负责人手机"))
    owner_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", label=_("业主手机")
    )
    workers = WorkerInSerializer(many=True, required=False, default=list, max_length=LIST_LIMIT, label=_("施工人员"))


# ---------------------------------------------------------------- the workflow's steps

NOTE_LIMIT = text_limit(RenovationEvent, "note")


def _note(*, required=False, limit=NOTE_LIMIT, label=_("说明"), help_text=None):
    if required:
        return serializers.CharField(max_length=limit, label=label, help_text=help_text)
    return serializers.CharField(
        max_length=limit, required=False, allow_blank=True, default="", label=label, help_text=help_text
    )


def _day(label):
    return serializers.DateField(
        required=False, allow_null=True, default=None, label=label, help_text=_("不填为今天。")
    )


def _money(label, **kwargs):
    return serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, label=label, **kwargs)


class RenovationStepSerializer(serializers.Serializer):
    """Every step takes the optional `version` the client last saw, as the page's hidden field."""

    version = serializers.IntegerField(
        label=_("版本号"),
        required=False,
        min_value=1,
        help_text=_("客户端所见申请的 version；若装修申请已被他人修改则返回 409。不填则不核对。"),
    )


class RenovationNoteSerializer(RenovationStepSerializer):
    note = _note()


class RenovationReasonSerializer(RenovationStepSerializer):
    note = _note(required=True, label=_("原因"))


class ApproveSerializer(RenovationStepSerializer):
    deposit = _money(
        _("应缴押金（元）"), required=False, allow_null=True, default=None, help_text=_("不填为项目默认。")
    )
    fee = _money(_("应缴管理费（元）"), required=False, allow_null=True, default=None, help_text=_("不填按面积计算。"))
    note = _note(label=_("审核意见"))


class ResubmitSerializer(RenovationStepSerializer):
    scope = serializers.CharField(max_length=text_limit(Renovation, "scope"), label=_("装修内容"))
    planned_start = serializers.DateField(label=_("计划开工"))
    planned_end = serializers.DateField(label=_("计划完工"))
    contractor_name = serializers.CharField(max_length=text_limit(Renovation, "contractor_name"), label=_("施工单位"))
    contractor_licence = serializers.CharField(
        max_length=text_limit(Renovation, "contractor_licence"), label=_("营业执照或资质证号")
    )
    contractor_person = serializers.CharField(
        max_length=text_limit(Renovation, "contractor_person"), label=_("施工负责人")
    )
    contractor_phone = serializers.CharField(max_length=20, label=_("施工负责人手机"))
    owner_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", label=_("业主手机"), help_text=_("不填则不变。")
    )
    note = _note()


class AddDrawingsSerializer(RenovationStepSerializer):
    drawings = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        label=_("装修图纸"),
        help_text=_("multipart 的 drawings 字段，可多个；图片或 PDF。"),
    )
    note = _note()


class PaySerializer(RenovationStepSerializer):
    kind = serializers.ChoiceField(choices=FeeKind.choices, label=_("费用类型"))
    amount = _money(_("金额（元）"))
    paid_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, label=_("缴费时间"), help_text=_("不填为现在。")
    )
    receipt_number = serializers.CharField(max_length=text_limit(Payment, "receipt_number"), label=_("收据号"))
    note = _note(limit=text_limit(Payment, "note"))


class AddWorkerSerializer(RenovationStepSerializer, WorkerInSerializer):
    pass


class IssuePassSerializer(RenovationStepSerializer):
    worker = ApiIdField(label=_("工人"), help_text=_("这份装修申请登记的工人的 id。"))


class RevokePassSerializer(RenovationStepSerializer):
    worker_pass = ApiIdField(label=_("出入证"), help_text=_("这份装修申请的出入证的 id。"))
    note = _note(required=True, limit=text_limit(WorkerPass, "revoke_reason"), label=_("原因"))


class InspectSerializer(RenovationStepSerializer):
    inspected_on = _day(_("巡查日期"))
    result = serializers.ChoiceField(choices=InspectionResult.choices, label=_("结果"))
    violation = serializers.CharField(
        max_length=text_limit(Violation, "description"),
        required=False,
        allow_blank=True,
        default="",
        label=_("违规内容"),
        help_text=_("结果为发现违规时必填。"),
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        label=_("现场照片"),
        help_text=_("multipart 的 photos 字段，可多个图片。"),
    )
    note = _note(limit=text_limit(Inspection, "note"))


class RectifySerializer(RenovationStepSerializer):
    violation = ApiIdField(label=_("违规记录"), help_text=_("这份装修申请的违规记录的 id。"))
    note = _note(required=True, limit=text_limit(Violation, "rectify_note"), label=_("整改情况"))


class ToRequestSerializer(RenovationStepSerializer):
    violation = ApiIdField(label=_("违规记录"), help_text=_("这份装修申请的违规记录的 id。"))


class AcceptSerializer(RenovationStepSerializer):
    inspected_on = _day(_("验收日期"))
    note = _note(limit=text_limit(Inspection, "note"), label=_("验收意见"))


class DeductionInSerializer(serializers.Serializer):
    amount = _money(_("金额（元）"))
    reason = serializers.CharField(max_length=text_limit(Deduction, "reason"), label=_("扣款原因"))


class RefundSerializer(RenovationStepSerializer):
    deductions = DeductionInSerializer(many=True, required=False, default=list, max_length=LIST_LIMIT, label=_("扣款"))
    receipt_number = serializers.CharField(max_length=text_limit(Renovation, "refund_receipt"), label=_("退款凭证号"))
    note = _note()


class RenovationFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    room = IdFilter(label=_("房屋"), field_name="room_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=State.choices, coerce=int)

    class Meta:
        model = Renovation
        fields = ["project", "room", "state"]


@extend_schema_view(
    list=extend_schema(summary=_("装修申请列表"), tags=["renovation"]),
    retrieve=extend_schema(summary=_("一份装修申请"), tags=["renovation"]),
    create=extend_schema(
        summary=_("申请装修"),
        tags=["renovation"],
        request=ApplicationSerializer,
        responses={201: RenovationSerializer, **ERROR_RESPONSES},
    ),
)
class RenovationViewSet(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [browser]
    serializer_class = RenovationSerializer
    filterset_class = RenovationFilter
    pagination_class = KeysetPagination  # newest first

    def get_queryset(self):
        qs = selectors.visible_renovations(self.request.user).select_related("room")
        return qs.prefetch_related(*DETAIL_ROWS) if self.action == "retrieve" else qs

    def get_serializer_class(self):
        return RenovationDetailSerializer if self.action == "retrieve" else RenovationSerializer

    def create(self, request, *args, **kwargs):
        # The service's own question, asked before the body is read: a refusal is a 403, not field errors.
        if not (request.user.is_resident or rules.may_apply_for_others(request.user)):
            self.permission_denied(request, message=_("只有客服人员可以代业主登记装修申请。"))
        d = valid(ApplicationSerializer, request).validated_data
        if not visible_rooms(request.user).filter(pk=d["room"]).exists():
            raise NotFound(_("房屋不存在或您无权查看。"))
        renovation = services.renovation_apply(
            actor=request.user,
            data=services.Application(
                room_id=d["room"],
                scope=d["scope"],
                planned_start=d["planned_start"],
                planned_end=d["planned_end"],
                contractor_name=d["contractor_name"],
                contractor_licence=d["contractor_licence"],
                contractor_person=d["contractor_person"],
                contractor_phone=d["contractor_phone"],
                owner_phone=d["owner_phone"],
                workers=[services.WorkerInput(**w) for w in d["workers"]],
            ),
        )
        return Response(
            RenovationSerializer(renovation, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    # ------------------------------------------------------------ the workflow's steps

    def _step(self, request, step, body_class, service, arguments=None):
        """One step, as the page takes it: the application (404 if not the user's to see), the
        role (403), the body (400), then the service; the application as it now is."""
        renovation = self.get_object()
        forbid(rules.role_refusal(request.user, step))
        data = dict(valid(body_class, request).validated_data)
        version = data.pop("version", None)
        kwargs = arguments(renovation, data) if arguments else data
        service(actor=request.user, renovation=renovation, expected_version=version, **kwargs)
        renovation.refresh_from_db()  # which also forgets the rows read before the step
        prefetch_related_objects([renovation], *DETAIL_ROWS)
        return Response(RenovationDetailSerializer(renovation, context={"request": request}).data)

    @step_schema(
        _("批准装修申请"),
        tag="renovation",
        request=ApproveSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="approve", url_name="approve")
    def approve(self, request, pk=None):
        return self._step(request, Action.APPROVE, ApproveSerializer, services.renovation_approve)

    @step_schema(
        _("退回修改"),
        tag="renovation",
        request=RenovationReasonSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request, pk=None):
        return self._step(request, Action.SEND_BACK, RenovationReasonSerializer, services.renovation_send_back)

    @step_schema(
        _("不予批准"),
        tag="renovation",
        request=RenovationReasonSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="reject", url_name="reject")
    def reject(self, request, pk=None):
        return self._step(request, Action.REJECT, RenovationReasonSerializer, services.renovation_reject)

    @step_schema(
        _("撤回装修申请"),
        tag="renovation",
        request=RenovationReasonSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request, pk=None):
        return self._step(request, Action.CANCEL, RenovationReasonSerializer, services.renovation_cancel)

    @step_schema(
        _("修改后重新提交"),
        tag="renovation",
        request=ResubmitSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="resubmit", url_name="resubmit")
    def resubmit(self, request, pk=None):
        def arguments(renovation, d):
            note = d.pop("note")
            return {"data": services.Application(room_id=renovation.room_id, **d), "note": note}

        return self._step(request, Action.RESUBMIT, ResubmitSerializer, services.renovation_resubmit, arguments)

    @step_schema(
        _("上传装修图纸"),
        tag="renovation",
        request=AddDrawingsSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="add-drawings", url_name="add-drawings")
    def add_drawings(self, request, pk=None):
        def arguments(renovation, d):
            return {"files": d["drawings"], "note": d["note"]}

        return self._step(
            request, Action.ADD_DRAWINGS, AddDrawingsSerializer, services.renovation_add_drawings, arguments
        )

    @step_schema(
        _("登记装修缴费"),
        tag="renovation",
        request=PaySerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="pay", url_name="pay")
    def pay(self, request, pk=None):
        return self._step(request, Action.PAY, PaySerializer, services.renovation_pay)

    @step_schema(
        _("发放装修许可证"),
        tag="renovation",
        request=RenovationNoteSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="issue-permit", url_name="issue-permit")
    def issue_permit(self, request, pk=None):
        return self._step(request, Action.ISSUE_PERMIT, RenovationNoteSerializer, services.renovation_issue_permit)

    @step_schema(
        _("登记装修工人"),
        tag="renovation",
        request=AddWorkerSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="add-worker", url_name="add-worker")
    def add_worker(self, request, pk=None):
        return self._step(request, Action.ADD_WORKER, AddWorkerSerializer, services.renovation_add_worker)

    @step_schema(
        _("办理装修工人出入证"),
        tag="renovation",
        request=IssuePassSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="issue-pass", url_name="issue-pass")
    def issue_pass(self, request, pk=None):
        # another application's worker is not found here: the service's field error
        def arguments(renovation, d):
            return {"worker": renovation.workers.filter(pk=d["worker"]).first()}

        return self._step(request, Action.ISSUE_PASS, IssuePassSerializer, services.renovation_issue_pass, arguments)

    @step_schema(
        _("注销装修工人出入证"),
        tag="renovation",
        request=RevokePassSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="revoke-pass", url_name="revoke-pass")
    def revoke_pass(self, request, pk=None):
        def arguments(renovation, d):
            worker_pass = (
                WorkerPass.objects.select_related("worker")
                .filter(pk=d["worker_pass"], worker__renovation=renovation)
                .first()
            )
            return {"worker_pass": worker_pass, "note": d["note"]}

        return self._step(request, Action.REVOKE_PASS, RevokePassSerializer, services.renovation_revoke_pass, arguments)

    @step_schema(
        _("登记装修巡查"),
        tag="renovation",
        request=InspectSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="inspect", url_name="inspect")
    def inspect(self, request, pk=None):
        # as the phone page's form (renovation/forms.py InspectionForm): one violation with its photos
        def arguments(renovation, d):
            violations = []
            if d["violation"].strip() or d["photos"]:
                violations.append(services.ViolationInput(description=d["violation"], photos=d["photos"]))
            return {
                "inspected_on": d["inspected_on"],
                "result": d["result"],
                "note": d["note"],
                "violations": violations,
            }

        return self._step(request, Action.INSPECT, InspectSerializer, services.renovation_inspect, arguments)

    @step_schema(
        _("确认违规已整改"),
        tag="renovation",
        request=RectifySerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rectify", url_name="rectify")
    def rectify(self, request, pk=None):
        def arguments(renovation, d):
            return {
                "violation": Violation.objects.filter(pk=d["violation"], renovation=renovation).first(),
                "note": d["note"],
            }

        return self._step(request, Action.RECTIFY, RectifySerializer, services.renovation_rectify, arguments)

    @step_schema(
        _("违规转工单"),
        tag="renovation",
        request=ToRequestSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="to-request", url_name="to-request")
    def to_request(self, request, pk=None):
        # the new request's id is then the violation's `request`
        def arguments(renovation, d):
            return {"violation": Violation.objects.filter(pk=d["violation"], renovation=renovation).first()}

        return self._step(
            request, Action.TO_REQUEST, ToRequestSerializer, services.renovation_violation_to_request, arguments
        )

    @step_schema(
        _("竣工验收"),
        tag="renovation",
        request=AcceptSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="accept", url_name="accept")
    def accept(self, request, pk=None):
        return self._step(request, Action.ACCEPT, AcceptSerializer, services.renovation_accept)

    @step_schema(
        _("退还装修押金"),
        tag="renovation",
        request=RefundSerializer,
        response=RenovationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="refund", url_name="refund")
    def refund(self, request, pk=None):
        def arguments(renovation, d):
            return {
                "deductions": [
                    services.DeductionInput(amount=x["amount"], reason=x["reason"]) for x in d["deductions"]
                ],
                "receipt_number": d["receipt_number"],
                "note": d["note"],
            }

        return self._step(request, Action.REFUND, RefundSerializer, services.renovation_refund, arguments)
