"""Announcements and activities under /api/ (propdesk/api_urls.py). Staff of the community pages
(community.staff) see their projects'; a resident sees what is addressed to their rooms
(community/selectors.py `resident_announcements`, `resident_activities`) and acts for themself.

- announcements/              GET list (?project, ?state), with `is_read` for a resident
- announcements/{id}/         GET one
- announcements/{id}/read/    POST a resident marks it read (counts in the staff's read figures)
- activities/                 GET list (?project, ?state), with the confirmed and waitlisted counts
- activities/{id}/            GET one, with the resident's own sign-up
- activities/{id}/signup/     POST a resident signs up (confirmed, or waitlisted when full)
- activities/{id}/cancel-signup/   POST a resident cancels their sign-up (the first waitlisted moves up)
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
from community.models import Activity, Announcement, Signup
from core.access import Requires
from core.idempotency import Idempotent
from core.ids import IdFilter
from core.paging import KeysetPagination
from desk.api import ERROR_RESPONSES
from estate.api import AUTHENTICATION_CLASSES

reader = Requires(("community.staff", "community.resident"), _("只有客服人员和业户可以查看公告和活动。"))
resident_only = Requires("community.resident", _("只有业户本人可以这样做。"))


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


class SignupSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=SignupState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = Signup
        fields = ["id", "activity", "resident", "room", "state", "signed_at", "cancelled_at"]
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


class NewestFirst(KeysetPagination):
    ordering = ("-pk",)


def _resident_only(view) -> None:
    if not resident_only.has_permission(view.request, view):
        raise PermissionDenied(resident_only.message)


@extend_schema_view(
    list=extend_schema(summary=_("公告列表"), tags=["community"]),
    retrieve=extend_schema(summary=_("一份公告"), tags=["community"]),
)
class AnnouncementViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [reader]
    serializer_class = AnnouncementSerializer
    filterset_class = AnnouncementFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Announcement.objects.none()
        if user.is_resident:
            return selectors.resident_announcements(user)
        return selectors.staff_announcements(user)

    @extend_schema(
        summary=_("标为已读（业户）"),
        tags=["community"],
        request=None,
        responses={200: AnnouncementSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="read", url_name="read")
    def read(self, request, pk=None):
        notice = self.get_object()
        _resident_only(self)
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
    pagination_class = NewestFirst

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
        activity = self.get_object()
        return Response(self.get_serializer(activity).data, status=code)

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
        _resident_only(self)
        resident = getattr(request.user, "resident", None)
        if resident is None:
            raise PermissionDenied(_("您的账号没有关联业户。"))
        services.activity_signup(actor=request.user, activity=activity, resident=resident)
        return self._answer(activity, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("取消报名（业户）"),
        tags=["community"],
        request=None,
        responses={200: ActivitySerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="cancel-signup", url_name="cancel-signup")
    def cancel_signup(self, request, pk=None):
        activity = self.get_object()
        _resident_only(self)
        signup = self._mine.get(activity.pk)
        if signup is None:
            raise NotFound(_("没有找到这条报名。"))
        services.signup_cancel(actor=request.user, signup=signup)
        return self._answer(activity)
