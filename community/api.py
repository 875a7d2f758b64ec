"""Announcements and activities under /api/ (propdesk/api_urls.py). Staff of the community pages
(community.staff) see their projects'; a resident sees what is addressed to their rooms
(community/selectors.py `resident_announcements`, `resident_activities`) and acts for themself.

The writes are the staff's (community.staff, the pages' `staff_only`), through the services the pages
call: any of them drafts and edits their own draft, the publishers (community.choices.PUBLISHING_ROLES,
checked by the services) publish, schedule, unschedule, withdraw and edit anyone's draft; a resident 403.

- announcements/              GET list (?project, ?state), with `is_read` for a resident; POST a draft (staff)
- announcements/{id}/         GET one; PATCH a draft (the drafter or a publisher)
- announcements/{id}/publish/ POST publish now (a draft or a scheduled one)
- announcements/{id}/schedule/    POST publish a draft at a later time
- announcements/{id}/unschedule/  POST back to a draft
- announcements/{id}/withdraw/    POST withdraw a published one (a reason)
- announcements/{id}/read/    POST a resident marks it read (counts in the staff's read figures)
- activities/                 GET list (?project, ?state), with the confirmed and waitlisted counts;
                              POST publish an activity (staff)
- activities/{id}/            GET one, with the resident's own sign-up
- activities/{id}/cancel/     POST cancel it (staff, a reason)
- activities/{id}/signup/     POST a resident signs up (confirmed, or waitlisted when full)
- activities/{id}/cancel-signup/   POST a resident cancels their sign-up (the first waitlisted moves up)
- activities/{id}/signups/    GET the sign-ups as the staff's page lists them (staff; no phones: the page shows none)
- activities/{id}/signup-for/ POST the desk signs a resident up by room code (and name), `find_resident`
- activities/{id}/attendance/ POST take attendance on the day (staff; the confirmed sign-ups that came)
- activities/{id}/feedback/   POST an attendee's rating: the staff take it down for a sign-up, a resident
                              gives their own (as community:activity and community:my-activity)
- activities/{id}/photos/     POST add photos (staff, multipart `files`, images checked as on the page)
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from community import selectors, services
from community.choices import ActivityState, Audience, NoticeState, SignupState
from community.models import Activity, Announcement, Feedback, Photo, Signup
from core.access import Requires
from core.api import ERROR_RESPONSES, FileSerializer, step_schema, valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.paging import NewestIdFirst
from core.text import text_limit
from estate.api import AUTHENTICATION_CLASSES

reader = Requires(("community.staff", "community.resident"), _("只有客服人员和业户可以查看公告和活动。"))
resident_only = Requires("community.resident", _("只有业户本人可以这样做。"))
staff_only = Requires("community.staff", _("只有客服人员可以使用这个页面。"))


class AnnouncementSerializer(serializers.ModelSerializer):
    audience = serializers.ChoiceField(choices=Audience.choices, read_only=True, label=_("发布范围"))
    state = serializers.ChoiceField(choices=NoticeState.choices, read_only=True, label=_("状态"))
    is_read = serializers.SerializerMethodField(label=_("已读"))

    class Meta:
        model = Announcement
        fields = [
            "id",
            "project",
            "title",
            "body",
            "audience",
            "state",
            "publish_at",
            "published_at",
            "expire_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notice) -> bool | None:
        return getattr(notice, "is_read", None)


class StaffAnnouncementSerializer(AnnouncementSerializer):
    """What the staff see besides: whom a notice is addressed to (the buildings' and rooms' ids)."""

    class Meta(AnnouncementSerializer.Meta):
        fields = [*AnnouncementSerializer.Meta.fields, "buildings", "rooms", "withdraw_reason", "created_by"]
        read_only_fields = fields


class NoticeInputSerializer(serializers.Serializer):
    """The page's form (community.forms.AnnouncementForm), the buildings and rooms by id. On PATCH
    what is left out stays as it is."""

    project = ApiIdField(label=_("项目"))
    title = serializers.CharField(max_length=text_limit(Announcement, "title"), label=_("标题"))
    body = serializers.CharField(max_length=text_limit(Announcement, "body"), label=_("正文"))
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.PROJECT, label=_("发布范围"))
    buildings = serializers.ListField(
        child=ApiIdField(), required=False, default=list, max_length=500, label=_("楼栋"),
        help_text=_("发布范围为指定楼栋时必填"),
    )  # fmt: skip
    rooms = serializers.ListField(
        child=ApiIdField(), required=False, default=list, max_length=5000, label=_("房屋"),
        help_text=_("发布范围为指定房屋时必填"),
    )  # fmt: skip

    def notice(self, current: Announcement | None = None) -> services.NoticeData:
        d = dict(self.validated_data)
        if current is not None:
            d.setdefault("title", current.title)
            d.setdefault("body", current.body)
            d.setdefault("audience", current.audience)
            if "buildings" not in self.initial_data:
                d["buildings"] = list(current.buildings.values_list("pk", flat=True))
            if "rooms" not in self.initial_data:
                d["rooms"] = list(current.rooms.values_list("pk", flat=True))
        audience = d["audience"]
        return services.NoticeData(
            project_id=current.project_id if current is not None else d["project"],
            title=d["title"],
            body=d["body"],
            audience=audience,
            building_ids=d.get("buildings", []) if audience == Audience.BUILDINGS else [],
            room_ids=d.get("rooms", []) if audience == Audience.ROOMS else [],
        )


class NoticeUpdateSerializer(NoticeInputSerializer):
    project = None  # a draft stays in its project, as on the page


class PublishSerializer(serializers.Serializer):
    expire_at = serializers.DateTimeField(required=False, allow_null=True, default=None, label=_("截止时间"))


class ScheduleSerializer(PublishSerializer):
    publish_at = serializers.DateTimeField(label=_("发布时间"))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=text_limit(Announcement, "withdraw_reason"), label=_("原因"))


class ActivityInputSerializer(serializers.Serializer):
    """The page's form (community.forms.ActivityForm)."""

    project = ApiIdField(label=_("项目"))
    title = serializers.CharField(max_length=text_limit(Activity, "title"), label=_("活动名称"))
    starts_at = serializers.DateTimeField(label=_("开始时间"))
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None, label=_("结束时间"))
    place = serializers.CharField(max_length=text_limit(Activity, "place"), label=_("地点"))
    capacity = serializers.IntegerField(min_value=1, max_value=10000, label=_("名额"))
    signup_deadline = serializers.DateTimeField(label=_("报名截止"))
    waitlist = serializers.BooleanField(default=True, label=_("满员后可候补"))
    description = serializers.CharField(
        max_length=text_limit(Activity, "description"), required=False, allow_blank=True, default="",
        label=_("活动介绍"),
    )  # fmt: skip

    def activity(self) -> services.ActivityData:
        d = self.validated_data
        return services.ActivityData(
            project_id=d["project"],
            title=d["title"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            place=d["place"],
            capacity=d["capacity"],
            signup_deadline=d["signup_deadline"],
            waitlist=d["waitlist"],
            description=d["description"],
        )


class ActivityCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=text_limit(Activity, "cancel_reason"), label=_("原因"))


class SignupSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=SignupState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = Signup
        fields = ["id", "activity", "resident", "room", "state", "signed_at", "cancelled_at"]
        read_only_fields = fields


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = ["rating", "comment", "at"]
        read_only_fields = fields


class StaffSignupSerializer(serializers.ModelSerializer):
    """A row of the staff's sign-up list (templates/community/activity_detail.html): the resident's
    name and room, the state, attendance and feedback; no phone, as the page shows none."""

    state = serializers.ChoiceField(choices=SignupState.choices, read_only=True, label=_("状态"))
    resident_name = serializers.CharField(source="resident.name", read_only=True, label=_("业户"))
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房号"))
    feedback = serializers.SerializerMethodField(label=_("评价"))

    class Meta:
        model = Signup
        fields = ["id", "resident", "resident_name", "room", "room_code", "state", "signed_at", "attended", "feedback"]
        read_only_fields = fields

    @extend_schema_field(FeedbackSerializer(allow_null=True))
    def get_feedback(self, signup):
        feedback = getattr(signup, "feedback", None)
        return FeedbackSerializer(feedback).data if feedback is not None else None


class OnBehalfSerializer(serializers.Serializer):
    """The page's form (community.forms.OnBehalfForm)."""

    room_code = serializers.CharField(max_length=60, label=_("房号"), help_text=_("如 3-2-1502 或 3栋2单元1502"))
    name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", label=_("姓名"),
        help_text=_("该户有多位住户时填写"),
    )  # fmt: skip


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.ListField(
        child=ApiIdField(), allow_empty=True, max_length=10000, label=_("到场的报名"),
        help_text=_("到场的已报名（非候补）记录的 id；未列出的记为未到。multipart 里一个空值（attended=）表示无人到场。"),
    )  # fmt: skip

    def to_internal_value(self, data):
        # A form (multipart) cannot send an empty list: one empty value says "nobody came".
        if hasattr(data, "getlist") and data.getlist("attended") == [""]:
            data = {"attended": []}
        return super().to_internal_value(data)


class FeedbackInputSerializer(serializers.Serializer):
    """The page's form (community.forms.FeedbackForm); the staff name the sign-up."""

    signup = ApiIdField(
        required=False, allow_null=True, default=None, label=_("报名"),
        help_text=_("客服代录时必填：这个活动的报名记录的 id；业户不填，即本人的报名。"),
    )  # fmt: skip
    rating = serializers.IntegerField(min_value=1, max_value=5, label=_("评分"))
    comment = serializers.CharField(
        max_length=text_limit(Feedback, "comment"), required=False, allow_blank=True, default="", label=_("意见")
    )


class PhotoInputSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), allow_empty=False, label=_("照片"),
        help_text=_("multipart 的 files 字段，可多个图片（JPEG/PNG/WebP/GIF）。"),
    )  # fmt: skip


class PhotoSerializer(FileSerializer):
    url_name = "community:photo"

    class Meta:
        model = Photo
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=ActivityState.choices, read_only=True, label=_("状态"))
    confirmed = serializers.IntegerField(read_only=True, label=_("已报名人数"))
    waiting = serializers.IntegerField(read_only=True, label=_("候补人数"))
    my_signup = serializers.SerializerMethodField(label=_("我的报名"))

    class Meta:
        model = Activity
        fields = [
            "id", "project", "title", "starts_at", "ends_at", "place", "capacity", "signup_deadline", "waitlist",
            "description", "state", "cancel_reason", "confirmed", "waiting", "my_signup",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(SignupSerializer(allow_null=True))
    def get_my_signup(self, activity):
        mine = self.context.get("mine", {}).get(activity.pk)
        return SignupSerializer(mine).data if mine is not None else None


class AnnouncementFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=NoticeState.choices, coerce=int)

    class Meta:
        model = Announcement
        fields = ["project", "state"]


class ActivityFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=ActivityState.choices, coerce=int)

    class Meta:
        model = Activity
        fields = ["project", "state"]


def _in_my_projects(request, project_id: int) -> int:
    """A project the staff member does not work in is not there for them (404), as the page's choices."""
    if project_id not in request.user.project_ids():
        raise NotFound(_("项目不存在或您无权查看。"))
    return project_id


@extend_schema_view(
    list=extend_schema(summary=_("公告列表"), tags=["community"]),
    retrieve=extend_schema(summary=_("一份公告"), tags=["community"]),
)
class AnnouncementViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [reader]
    serializer_class = AnnouncementSerializer
    filterset_class = AnnouncementFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Announcement.objects.none()
        if user.is_resident:
            return selectors.resident_announcements(user)
        return selectors.staff_announcements(user).prefetch_related("buildings", "rooms")

    def get_serializer_class(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or user.is_resident:
            return AnnouncementSerializer
        return StaffAnnouncementSerializer

    def _answer(self, notice, code=status.HTTP_200_OK):
        notice = self.get_queryset().get(pk=notice.pk)
        return Response(StaffAnnouncementSerializer(notice).data, status=code)

    @extend_schema(
        summary=_("起草公告（客服）"),
        tags=["community"],
        request=NoticeInputSerializer,
        responses={201: StaffAnnouncementSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        staff_only.check(request.user)
        data = valid(NoticeInputSerializer, request)
        _in_my_projects(request, data.validated_data["project"])
        notice = services.announcement_create(actor=request.user, data=data.notice())
        return self._answer(notice, status.HTTP_201_CREATED)

    @step_schema(
        _("修改公告草稿"),
        description=_("只有草稿可以修改（已定时的请先取消定时）；起草人或可发布公告的主管可改。未提供的字段保持不变。"),
        tag="community",
        request=NoticeUpdateSerializer,
        response=StaffAnnouncementSerializer,
    )
    def partial_update(self, request, pk=None):
        notice = self.get_object()
        staff_only.check(request.user)
        data = valid(NoticeUpdateSerializer, request, partial=True)
        notice = services.announcement_update(actor=request.user, announcement=notice, data=data.notice(notice))
        return self._answer(notice)

    @step_schema(
        _("立即发布公告"),
        tag="community",
        request=PublishSerializer,
        response=StaffAnnouncementSerializer,
    )
    @action(detail=True, methods=["post"], url_path="publish", url_name="publish")
    def publish(self, request, pk=None):
        notice = self.get_object()
        staff_only.check(request.user)
        d = valid(PublishSerializer, request).validated_data
        notice = services.announcement_publish(actor=request.user, announcement=notice, expire_at=d["expire_at"])
        return self._answer(notice)

    @step_schema(
        _("定时发布公告"),
        tag="community",
        request=ScheduleSerializer,
        response=StaffAnnouncementSerializer,
    )
    @action(detail=True, methods=["post"], url_path="schedule", url_name="schedule")
    def schedule(self, request, pk=None):
        notice = self.get_object()
        staff_only.check(request.user)
        d = valid(ScheduleSerializer, request).validated_data
        notice = services.announcement_schedule(
            actor=request.user, announcement=notice, publish_at=d["publish_at"], expire_at=d["expire_at"]
        )
        return self._answer(notice)

    @step_schema(
        _("取消定时发布"),
        tag="community",
        request=None,
        response=StaffAnnouncementSerializer,
    )
    @action(detail=True, methods=["post"], url_path="unschedule", url_name="unschedule")
    def unschedule(self, request, pk=None):
        notice = self.get_object()
        staff_only.check(request.user)
        notice = services.announcement_unschedule(actor=request.user, announcement=notice)
        return self._answer(notice)

    @step_schema(
        _("撤回公告"),
        tag="community",
        request=ReasonSerializer,
        response=StaffAnnouncementSerializer,
    )
    @action(detail=True, methods=["post"], url_path="withdraw", url_name="withdraw")
    def withdraw(self, request, pk=None):
        notice = self.get_object()
        staff_only.check(request.user)
        d = valid(ReasonSerializer, request).validated_data
        notice = services.announcement_withdraw(actor=request.user, announcement=notice, reason=d["reason"])
        return self._answer(notice)

    @step_schema(
        _("标为已读（业户）"),
        tag="community",
        request=None,
        response=AnnouncementSerializer,
    )
    @action(detail=True, methods=["post"], url_path="read", url_name="read")
    def read(self, request, pk=None):
        notice = self.get_object()
        resident_only.check(request.user)
        services.announcement_mark_read(user=request.user, announcement=notice)
        notice.is_read = True
        return Response(AnnouncementSerializer(notice).data)


@extend_schema_view(
    list=extend_schema(summary=_("社区活动列表"), tags=["community"]),
    retrieve=extend_schema(summary=_("一个社区活动"), tags=["community"]),
)
class ActivityViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [reader]
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        rows = selectors.resident_activities(user) if user.is_resident else selectors.staff_activities(user)
        return selectors.with_counts(rows)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["mine"] = getattr(self, "_mine", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.request.user.is_resident:
            self._mine = selectors.my_signups(self.request.user, [a.pk for a in page])
        return page

    def get_object(self):
        activity = super().get_object()
        if self.request.user.is_resident:
            self._mine = selectors.my_signups(self.request.user, [activity.pk])
        return activity

    def _answer(self, activity, code=status.HTTP_200_OK):
        activity = self.get_queryset().get(pk=activity.pk)
        if self.request.user.is_resident:
            self._mine = selectors.my_signups(self.request.user, [activity.pk])
        return Response(self.get_serializer(activity).data, status=code)

    @extend_schema(
        summary=_("发布社区活动（客服）"),
        tags=["community"],
        request=ActivityInputSerializer,
        responses={201: ActivitySerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        staff_only.check(request.user)
        data = valid(ActivityInputSerializer, request)
        _in_my_projects(request, data.validated_data["project"])
        activity = services.activity_create(actor=request.user, data=data.activity())
        return self._answer(activity, status.HTTP_201_CREATED)

    @step_schema(
        _("取消社区活动"),
        tag="community",
        request=ActivityCancelSerializer,
        response=ActivitySerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request, pk=None):
        activity = self.get_object()
        staff_only.check(request.user)
        d = valid(ActivityCancelSerializer, request).validated_data
        activity = services.activity_cancel(actor=request.user, activity=activity, reason=d["reason"])
        return self._answer(activity)

    @extend_schema(
        summary=_("报名（业户）"),
        description=_("名额已满且活动设候补时进入候补（my_signup.state = 20）。"),
        tags=["community"],
        request=None,
        responses={201: ActivitySerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="signup", url_name="signup")
    def signup(self, request, pk=None):
        activity = self.get_object()
        resident_only.check(request.user)
        resident = getattr(request.user, "resident", None)
        if resident is None:
            raise PermissionDenied(_("您的账号没有关联业户。"))
        services.activity_signup(actor=request.user, activity=activity, resident=resident)
        return self._answer(activity, status.HTTP_201_CREATED)

    @step_schema(
        _("取消报名（业户）"),
        tag="community",
        request=None,
        response=ActivitySerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel-signup", url_name="cancel-signup")
    def cancel_signup(self, request, pk=None):
        activity = self.get_object()
        resident_only.check(request.user)
        signup = self._mine.get(activity.pk)
        if signup is None:
            raise NotFound(_("没有找到这条报名。"))
        services.signup_cancel(actor=request.user, signup=signup)
        return self._answer(activity)

    # ------------------------------------------------------------ the staff's steps (community:activity-act)

    def _staff_signups(self, activity):
        return StaffSignupSerializer(selectors.activity_signups(activity), many=True).data

    @extend_schema(
        summary=_("活动报名名单（客服）"),
        tags=["community"],
        responses={200: StaffSignupSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"], url_path="signups", url_name="signups")
    def signups(self, request, pk=None):
        activity = self.get_object()
        staff_only.check(request.user)
        return Response(self._staff_signups(activity))

    @extend_schema(
        summary=_("代住户报名（客服）"),
        description=_("按房号（及姓名）找到住户后报名；名额已满且活动设候补时进入候补。"),
        tags=["community"],
        request=OnBehalfSerializer,
        responses={201: StaffSignupSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="signup-for", url_name="signup-for")
    def signup_for(self, request, pk=None):
        activity = self.get_object()
        staff_only.check(request.user)
        d = valid(OnBehalfSerializer, request).validated_data
        resident = services.find_resident(project_id=activity.project_id, room_code=d["room_code"], name=d["name"])
        signup = services.activity_signup(actor=request.user, activity=activity, resident=resident)
        signup = Signup.objects.select_related("resident", "room").get(pk=signup.pk)
        return Response(StaffSignupSerializer(signup).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("活动签到（客服）"),
        description=_("活动当天起可签到，之后可更正；返回报名名单。"),
        tag="community",
        request=AttendanceSerializer,
        response=StaffSignupSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="attendance", url_name="attendance")
    def attendance(self, request, pk=None):
        activity = self.get_object()
        staff_only.check(request.user)
        d = valid(AttendanceSerializer, request).validated_data
        services.activity_attendance(actor=request.user, activity=activity, attended_ids=d["attended"])
        return Response(self._staff_signups(activity))

    @extend_schema(
        summary=_("活动评价"),
        description=_("到场的住户评价一次：业户评价本人的报名，客服代录时指明报名记录。"),
        tags=["community"],
        request=FeedbackInputSerializer,
        responses={201: StaffSignupSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="feedback", url_name="feedback")
    def feedback(self, request, pk=None):
        activity = self.get_object()
        if request.user.is_resident:  # their own sign-up, as community:my-activity (none: 404)
            signup = self._mine.get(activity.pk)
            if signup is None:
                raise NotFound(_("没有找到这条报名。"))
            d = valid(FeedbackInputSerializer, request).validated_data
        else:
            staff_only.check(request.user)
            d = valid(FeedbackInputSerializer, request).validated_data
            signup = activity.signups.filter(pk=d["signup"]).first() if d["signup"] else None
            if signup is None:
                raise serializers.ValidationError({"signup": [_("请选择到场的住户。")]})
        services.feedback_give(actor=request.user, signup=signup, rating=d["rating"], comment=d["comment"])
        signup = Signup.objects.select_related("resident", "room", "feedback").get(pk=signup.pk)
        return Response(StaffSignupSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("上传活动照片（客服）"),
        tags=["community"],
        request={"multipart/form-data": PhotoInputSerializer},
        responses={201: PhotoSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="photos", url_name="photos")
    def photos(self, request, pk=None):
        activity = self.get_object()
        staff_only.check(request.user)
        d = valid(PhotoInputSerializer, request).validated_data
        photos = services.activity_add_photos(actor=request.user, activity=activity, files=d["files"])
        return Response(PhotoSerializer(photos, many=True).data, status=status.HTTP_201_CREATED)
