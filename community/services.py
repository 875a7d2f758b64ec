"""Every write of the community work. Keyword-only functions, each in one transaction, checking
who may act and in which state, refusing with a translated message (ServiceError) and keeping
history: announcement events, audit entries for activities, visits and phrases."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import selectors
from community.choices import ActivityState, Audience, NoticeAction, NoticeState, SignupState
from community.models import (
    Activity,
    Announcement,
    AnnouncementEvent,
    AnnouncementRead,
    Feedback,
    Photo,
    Signup,
    VisitGroup,
)
from community.notices import queue_tell
from core.audit import audit_record
from core.choices import Role
from core.errors import ActionRefused, Conflict
from core.notify import notify
from core.phone import normalize_phone
from core.uploads import check_uploads
from estate.models import Building, Occupancy, Resident, Room
from estate.selectors import room_code_from_text


def _field_errors(errors: dict):
    if errors:
        raise ValidationError(errors)


def _staff_in(actor, project_id: int):
    if not selectors.is_community_staff(actor) or project_id not in actor.project_ids():
        raise ActionRefused(_("您不能处理这个项目的社区工作。"))


# ---------------------------------------------------------------- announcements


@dataclass
class NoticeData:
    project_id: int
    title: str
    body: str
    audience: str = Audience.PROJECT
    building_ids: list[int] = field(default_factory=list)
    room_ids: list[int] = field(default_factory=list)


def _check_notice(data: NoticeData) -> tuple[list[Building], list[Room]]:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors.setdefault("title", []).append(_("请填写标题。"))
    elif len(data.title.strip()) > 120:
        errors.setdefault("title", []).append(_("最多 %(limit)s 个字。") % {"limit": 120})
    if not data.body.strip():
        errors.setdefault("body", []).append(_("请填写正文。"))
    if data.audience not in Audience.values:
        errors.setdefault("audience", []).append(_("请选择发布范围。"))
    buildings: list[Building] = []
    rooms: list[Room] = []
    if data.audience == Audience.BUILDINGS:
        buildings = list(Building.objects.filter(pk__in=data.building_ids, project_id=data.project_id))
        if not data.building_ids:
            errors.setdefault("buildings", []).append(_("请至少选择一栋楼。"))
        elif len(buildings) != len(set(data.building_ids)):
            errors.setdefault("buildings", []).append(_("楼栋不存在或不属于这个项目。"))
    elif data.audience == Audience.ROOMS:
        rooms = list(Room.objects.filter(pk__in=data.room_ids, project_id=data.project_id))
        if not data.room_ids:
            errors.setdefault("rooms", []).append(_("请至少选择一户。"))
        elif len(rooms) != len(set(data.room_ids)):
            errors.setdefault("rooms", []).append(_("房屋不存在或不属于这个项目。"))
    _field_errors(errors)
    return buildings, rooms


def _event(notice, actor, action, note=""):
    AnnouncementEvent.objects.create(announcement=notice, actor=actor, action=action, note=note[:300])


@transaction.atomic
def announcement_create(*, actor, data: NoticeData) -> Announcement:
    _staff_in(actor, data.project_id)
    buildings, rooms = _check_notice(data)
    notice = Announcement.objects.create(
        project_id=data.project_id,
        title=data.title.strip(),
        body=data.body.strip(),
        audience=data.audience,
        created_by=actor,
    )
    notice.buildings.set(buildings)
    notice.rooms.set(rooms)
    _event(notice, actor, NoticeAction.CREATE)
    return notice


def _locked(notice: Announcement) -> Announcement:
    return Announcement.objects.select_for_update().get(pk=notice.pk)


@transaction.atomic
def announcement_update(*, actor, announcement: Announcement, data: NoticeData) -> Announcement:
    _staff_in(actor, announcement.project_id)
    notice = _locked(announcement)
    if notice.state != NoticeState.DRAFT:
        raise ActionRefused(_("只有草稿可以修改；已定时的请先取消定时。"))
    if notice.created_by_id != actor.pk and not selectors.may_publish(actor):
        raise ActionRefused(_("只有起草人或主管可以修改这份草稿。"))
    data.project_id = notice.project_id
    buildings, rooms = _check_notice(data)
    changes = {}
    for name in ("title", "body", "audience"):
        new = getattr(data, name).strip()
        if getattr(notice, name) != new:
            changes[name] = [getattr(notice, name), new]
            setattr(notice, name, new)
    notice.updated_at = timezone.now()
    notice.save()
    notice.buildings.set(buildings)
    notice.rooms.set(rooms)
    _event(
        notice, actor, NoticeAction.EDIT, "、".join(str(Announcement._meta.get_field(n).verbose_name) for n in changes)
    )
    return notice


def _check_publisher(actor, notice):
    _staff_in(actor, notice.project_id)
    if not selectors.may_publish(actor):
        raise ActionRefused(_("只有客服主管、客服经理或项目经理可以发布公告。"))


def _check_expiry(expire_at, start):
    if expire_at and expire_at <= start:
        raise ValidationError({"expire_at": [_("截止时间必须晚于发布时间。")]})


@transaction.atomic
def announcement_schedule(
    *, actor, announcement: Announcement, publish_at: datetime, expire_at: datetime | None = None
) -> Announcement:
    _check_publisher(actor, announcement)
    notice = _locked(announcement)
    if notice.state != NoticeState.DRAFT:
        raise ActionRefused(_("只有草稿可以定时发布。"))
    if publish_at <= timezone.now():
        raise ValidationError({"publish_at": [_("定时发布的时间必须在将来；要马上发布请点“立即发布”。")]})
    _check_expiry(expire_at, publish_at)
    notice.state = NoticeState.SCHEDULED
    notice.publish_at = publish_at
    notice.expire_at = expire_at
    notice.save(update_fields=["state", "publish_at", "expire_at"])
    note = _("定于 %(at)s 发布") % {"at": f"{timezone.localtime(publish_at):%Y-%m-%d %H:%M}"}
    _event(notice, actor, NoticeAction.SCHEDULE, note)
    return notice


@transaction.atomic
def announcement_unschedule(*, actor, announcement: Announcement) -> Announcement:
    _check_publisher(actor, announcement)
    notice = _locked(announcement)
    if notice.state != NoticeState.SCHEDULED:
        raise ActionRefused(_("这份公告没有在等待定时发布。"))
    notice.state = NoticeState.DRAFT
    notice.publish_at = None
    notice.save(update_fields=["state", "publish_at"])
    _event(notice, actor, NoticeAction.UNSCHEDULE)
    return notice


@transaction.atomic
def announcement_publish(*, actor, announcement: Announcement, expire_at: datetime | None = None) -> Announcement:
    _check_publisher(actor, announcement)
    notice = _locked(announcement)
    if notice.state not in (NoticeState.DRAFT, NoticeState.SCHEDULED):
        raise ActionRefused(_("这份公告已经发布或撤回。"))
    now = timezone.now()
    expire_at = expire_at or notice.expire_at
    _check_expiry(expire_at, now)
    notice.state = NoticeState.PUBLISHED
    notice.publish_at = now  # published early: the schedule no longer holds
    notice.published_at = now
    notice.published_by = actor
    notice.expire_at = expire_at
    notice.save(update_fields=["state", "publish_at", "published_at", "published_by", "expire_at"])
    _event(notice, actor, NoticeAction.PUBLISH)
    queue_tell(notice.pk)
    return notice


def publish_due(now: datetime | None = None) -> int:
    """Publish the scheduled announcements whose time has come. Each is claimed with a
    compare-and-swap on its state, so two workers never publish one twice. Returns how many."""
    now = now or timezone.now()
    done = 0
    due = list(
        Announcement.objects.filter(state=NoticeState.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        with transaction.atomic():
            claimed = Announcement.objects.filter(pk=pk, state=NoticeState.SCHEDULED, publish_at__lte=now).update(
                state=NoticeState.PUBLISHED, published_at=now
            )
            if not claimed:
                continue
            notice = Announcement.objects.select_related("created_by").get(pk=pk)
            _event(notice, None, NoticeAction.PUBLISH, _("定时发布"))
            notify(
                [notice.created_by],
                title=_("公告已按时发布：%(title)s") % {"title": notice.title},
                url=f"/community/announcements/{pk}/",
            )
            queue_tell(pk)
            done += 1
    return done


@transaction.atomic
def announcement_withdraw(*, actor, announcement: Announcement, reason: str) -> Announcement:
    _check_publisher(actor, announcement)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("撤回公告必须填写原因。")]})
    notice = _locked(announcement)
    if notice.state != NoticeState.PUBLISHED:
        raise ActionRefused(_("只有已发布的公告可以撤回。"))
    notice.state = NoticeState.WITHDRAWN
    notice.withdrawn_at = timezone.now()
    notice.withdraw_reason = reason[:200]
    notice.save(update_fields=["state", "withdrawn_at", "withdraw_reason"])
    _event(notice, actor, NoticeAction.WITHDRAW, reason)
    return notice


def announcement_mark_read(*, user, announcement: Announcement) -> AnnouncementRead:
    """Record that a resident opened the announcement; the first time is kept."""
    if not selectors.resident_announcements(user).filter(pk=announcement.pk).exists():
        raise ActionRefused(_("这份公告不是发给您的。"))
    try:
        with transaction.atomic():
            read, _created = AnnouncementRead.objects.get_or_create(announcement=announcement, user=user)
    except IntegrityError:  # two taps at once
        read = AnnouncementRead.objects.get(announcement=announcement, user=user)
    return read


# ---------------------------------------------------------------- activities


@dataclass
class ActivityData:
    project_id: int
    title: str
    starts_at: datetime
    place: str
    capacity: int
    signup_deadline: datetime
    ends_at: datetime | None = None
    waitlist: bool = True
    description: str = ""


def _check_activity(data: ActivityData):
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("请填写活动名称。")]
    if not data.place.strip():
        errors["place"] = [_("请填写地点。")]
    if not data.capacity or data.capacity < 1:
        errors["capacity"] = [_("名额至少为 1。")]
    if data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = [_("结束时间必须晚于开始时间。")]
    if data.signup_deadline > data.starts_at:
        errors["signup_deadline"] = [_("报名截止不能晚于活动开始。")]
    _field_errors(errors)


@transaction.atomic
def activity_create(*, actor, data: ActivityData) -> Activity:
    _staff_in(actor, data.project_id)
    _check_activity(data)
    activity = Activity.objects.create(
        project_id=data.project_id,
        title=data.title.strip(),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place.strip(),
        capacity=data.capacity,
        signup_deadline=data.signup_deadline,
        waitlist=data.waitlist,
        description=data.description.strip(),
        created_by=actor,
    )
    audit_record(actor=actor, obj=activity, action="create")
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    _staff_in(actor, activity.project_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("取消活动必须填写原因。")]})
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.state == ActivityState.CANCELLED:
        raise ActionRefused(_("活动已经取消。"))
    if activity.attendance_taken_at:
        raise ActionRefused(_("活动已经签到，不能取消。"))
    activity.state = ActivityState.CANCELLED
    activity.cancel_reason = reason[:200]
    activity.save(update_fields=["state", "cancel_reason"])
    audit_record(actor=actor, obj=activity, action="cancel", changes={"reason": reason})
    return activity


def _resident_room(resident: Resident, project_id: int) -> Room | None:
    occ = (
        Occupancy.objects.current()
        .filter(resident=resident, room__project_id=project_id)
        .select_related("room")
        .order_by("id")
        .first()
    )
    return occ.room if occ else None


def find_resident(*, project_id: int, room_code: str, name: str = "") -> Resident:
    """The resident the desk signs up on someone's behalf: a room code as staff type it ('3-2-1502',
    '3栋2单元1502', '３-２-１５０２') and, when several people live there, a name. The messages
    quote the room as typed."""
    code = (room_code or "").strip()
    room = Room.objects.filter(project_id=project_id, code=room_code_from_text(code)).first() if code else None
    if room is None:
        raise ValidationError({"room_code": [_("这个项目没有房号 %(code)s。") % {"code": code}]})
    people = [o.resident for o in Occupancy.objects.current().filter(room=room).select_related("resident")]
    name = (name or "").strip()
    if name:
        people = [p for p in people if p.name == name]
        if not people:
            raise ValidationError({"name": [_("%(code)s 没有叫 %(name)s 的住户。") % {"code": code, "name": name}]})
    if not people:
        raise ValidationError({"room_code": [_("%(code)s 目前没有登记住户。") % {"code": code}]})
    if len(people) > 1:
        raise ValidationError({"name": [_("该户有多位住户，请填写姓名。")]})
    return people[0]


@transaction.atomic
def activity_signup(*, actor, activity: Activity, resident: Resident) -> Signup:
    """Sign a resident up: the resident themselves (from the phone) or the desk on their behalf.
    Over the cap the sign-up is waitlisted when the activity allows it, else refused."""
    if actor.role == Role.RESIDENT:
        if resident.user_id != actor.pk:
            raise ActionRefused(_("只能为自己报名。"))
    else:
        _staff_in(actor, activity.project_id)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)  # serialises sign-ups: the cap holds
    if activity.state == ActivityState.CANCELLED:
        raise ActionRefused(_("活动已取消。"))
    if timezone.now() > activity.signup_deadline:
        raise ActionRefused(_("报名已截止。"))
    room = _resident_room(resident, activity.project_id)
    if room is None:
        raise ActionRefused(_("只有本项目的住户可以报名。"))
    live = activity.signups.exclude(state=SignupState.CANCELLED)
    if live.filter(resident=resident).exists():
        raise Conflict(_("%(name)s 已经报过名了。") % {"name": resident.name})
    confirmed = live.filter(state=SignupState.CONFIRMED).count()
    if confirmed < activity.capacity:
        state = SignupState.CONFIRMED
    elif activity.waitlist:
        state = SignupState.WAITLISTED
    else:
        raise ActionRefused(_("名额已满（%(n)s 人）。") % {"n": activity.capacity})
    try:
        with transaction.atomic():
            signup = Signup.objects.create(
                activity=activity, resident=resident, room=room, state=state, signed_by=actor
            )
    except IntegrityError:
        raise Conflict(_("%(name)s 已经报过名了。") % {"name": resident.name}) from None
    return signup


@transaction.atomic
def signup_cancel(*, actor, signup: Signup) -> Signup:
    """Cancel a sign-up; the first on the waitlist moves up into the freed place."""
    if actor.role == Role.RESIDENT:
        if signup.resident.user_id != actor.pk:
            raise ActionRefused(_("只能取消自己的报名。"))
    else:
        _staff_in(actor, signup.activity.project_id)
    activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
    signup = Signup.objects.get(pk=signup.pk)
    if signup.state == SignupState.CANCELLED:
        raise ActionRefused(_("这条报名已经取消。"))
    if activity.attendance_taken_at or activity.started:
        raise ActionRefused(_("活动已经开始，不能再取消报名。"))
    was_confirmed = signup.state == SignupState.CONFIRMED
    signup.state = SignupState.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["state", "cancelled_at"])
    if was_confirmed:
        first = activity.signups.filter(state=SignupState.WAITLISTED).order_by("signed_at", "id").first()
        if first:
            first.state = SignupState.CONFIRMED
            first.save(update_fields=["state"])
    return signup


@transaction.atomic
def activity_attendance(*, actor, activity: Activity, attended_ids) -> int:
    """Take attendance on the day: the confirmed sign-ups listed attended, the others did not.
    May be corrected later the same way (the audit trail keeps each version)."""
    _staff_in(actor, activity.project_id)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.state == ActivityState.CANCELLED:
        raise ActionRefused(_("活动已取消。"))
    if not activity.started:
        raise ActionRefused(_("活动当天才能签到。"))
    attended_ids = {int(i) for i in attended_ids}
    confirmed = list(activity.signups.filter(state=SignupState.CONFIRMED))
    unknown = attended_ids - {s.pk for s in confirmed}
    if unknown:
        raise ActionRefused(_("只能为已报名（非候补）的住户签到。"))
    for s in confirmed:
        s.attended = s.pk in attended_ids
        s.attendance_by = actor
    Signup.objects.bulk_update(confirmed, ["attended", "attendance_by"])
    activity.attendance_taken_at = timezone.now()
    activity.save(update_fields=["attendance_taken_at"])
    audit_record(actor=actor, obj=activity, action="attendance", changes={"attended": sorted(attended_ids)})
    return len(attended_ids)


@transaction.atomic
def feedback_give(*, actor, signup: Signup, rating: int, comment: str = "") -> Feedback:
    """An attendee's rating and comment: from their phone, or taken down by the desk."""
    if actor.role == Role.RESIDENT:
        if signup.resident.user_id != actor.pk:
            raise ActionRefused(_("只能评价自己参加的活动。"))
    else:
        _staff_in(actor, signup.activity.project_id)
    signup = Signup.objects.select_for_update().get(pk=signup.pk)
    if signup.state != SignupState.CONFIRMED or signup.attended is not True:
        raise ActionRefused(_("只有到场参加的住户可以评价。"))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("评分为 1 到 5 分。")]})
    if Feedback.objects.filter(signup=signup).exists():
        raise Conflict(_("已经评价过这次活动。"))
    return Feedback.objects.create(
        signup=signup, rating=rating, comment=(comment or "").strip()[:500], recorded_by=actor
    )


def _add_photos(*, actor, files, **owner) -> list[Photo]:
    photos = [
        Photo(
            file=upload,
            name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
            **owner,
        )
        for upload, content_type, _ext in check_uploads(files, field="files", images_only=True)
    ]
    for p in photos:
        p.save()
    return photos


@transaction.atomic
def activity_add_photos(*, actor, activity: Activity, files) -> list[Photo]:
    _staff_in(actor, activity.project_id)
    if not files:
        raise ValidationError(_("请选择照片。"))
    return _add_photos(actor=actor, files=files, activity=activity)


# ---------------------------------------------------------------- visiting groups


@dataclass
class VisitData:
    project_id: int
    organisation: str
    size: int
    visit_at: datetime
    contact_name: str = ""
    contact_phone: str = ""
    ends_at: datetime | None = None
    route: str = ""
    notes: str = ""
    receiver_ids: list[int] = field(default_factory=list)


def _check_visit(data: VisitData) -> tuple[str, list]:
    from core.models import User

    errors: dict[str, list[str]] = {}
    if not data.organisation.strip():
        errors["organisation"] = [_("请填写来访单位。")]
    if not data.size or data.size < 1:
        errors["size"] = [_("人数至少为 1。")]
    if data.ends_at and data.ends_at <= data.visit_at:
        errors["ends_at"] = [_("结束时间必须晚于参观时间。")]
    phone = ""
    if data.contact_phone.strip():
        try:
            phone = normalize_phone(data.contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = list(exc.messages)
    receivers = list(
        User.objects.filter(pk__in=data.receiver_ids, projects=data.project_id).exclude(role=Role.RESIDENT)
    )
    if len(receivers) != len(set(data.receiver_ids)):
        errors["receivers"] = [_("接待人员必须是本项目的员工。")]
    _field_errors(errors)
    return phone, receivers


@transaction.atomic
def visit_create(*, actor, data: VisitData) -> VisitGroup:
    _staff_in(actor, data.project_id)
    phone, receivers = _check_visit(data)
    visit = VisitGroup.objects.create(
        project_id=data.project_id,
        organisation=data.organisation.strip(),
        contact_name=data.contact_name.strip(),
        contact_phone=phone,
        size=data.size,
        visit_at=data.visit_at,
        ends_at=data.ends_at,
        route=data.route.strip(),
        notes=data.notes.strip(),
        created_by=actor,
    )
    visit.receivers.set(receivers)
    audit_record(actor=actor, obj=visit, action="create")
    return visit


@transaction.atomic
def visit_update(*, actor, visit: VisitGroup, data: VisitData) -> VisitGroup:
    """Correct a visit's record; the audit trail keeps what each field was."""
    _staff_in(actor, visit.project_id)
    visit = VisitGroup.objects.select_for_update().get(pk=visit.pk)
    data.project_id = visit.project_id
    phone, receivers = _check_visit(data)
    changes = {}
    new = {
        "organisation": data.organisation.strip(),
        "contact_name": data.contact_name.strip(),
        "contact_phone": phone,
        "size": data.size,
        "visit_at": data.visit_at,
        "ends_at": data.ends_at,
        "route": data.route.strip(),
        "notes": data.notes.strip(),
    }
    for name, value in new.items():
        old = getattr(visit, name)
        if old != value:
            shown = (lambda v: "***" if v else "") if name == "contact_phone" else str
            changes[name] = [shown(old), shown(value)]
            setattr(visit, name, value)
    visit.save()
    old_receivers = set(visit.receivers.values_list("pk", flat=True))
    if old_receivers != {u.pk for u in receivers}:
        changes["receivers"] = [sorted(old_receivers), sorted(u.pk for u in receivers)]
        visit.receivers.set(receivers)
    if changes:
        audit_record(actor=actor, obj=visit, action="edit", changes=changes)
    return visit


@transaction.atomic
def visit_feedback(*, actor, visit: VisitGroup, feedback: str, rating: int | None = None) -> VisitGroup:
    _staff_in(actor, visit.project_id)
    feedback = (feedback or "").strip()
    if not feedback and rating is None:
        raise ValidationError({"feedback": [_("请填写反馈或选择满意度。")]})
    if rating is not None and not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": [_("评分为 1 到 5 分。")]})
    visit = VisitGroup.objects.select_for_update().get(pk=visit.pk)
    changes = {"feedback": [visit.feedback, feedback], "rating": [visit.rating, rating]}
    visit.feedback = feedback
    visit.rating = rating
    visit.save(update_fields=["feedback", "rating"])
    audit_record(actor=actor, obj=visit, action="feedback", changes=changes)
    return visit


@transaction.atomic
def visit_add_photos(*, actor, visit: VisitGroup, files) -> list[Photo]:
    _staff_in(actor, visit.project_id)
    if not files:
        raise ValidationError(_("请选择照片。"))
    return _add_photos(actor=actor, files=files, visit=visit)


def visit_purge_personal(*, company, before: datetime) -> int:
    """Retention: blank the contact person of the company's group visits older than `before`."""
    with transaction.atomic():
        return (
            VisitGroup.objects.filter(project__company=company, visit_at__lt=before, personal_purged_at__isnull=True)
            .exclude(contact_name="", contact_phone="")
            .update(contact_name="", contact_phone="", personal_purged_at=timezone.now())
        )


# ---------------------------------------------------------------- phrase library


@dataclass
class PhraseData:
    situation: str
    title: str
    body: str
    keywords: str = ""
    order: int = 0
    active: bool = True


def _phrase_company(actor, company_id: int | None = None) -> int:
    from core.models import Project

    companies = set(Project.objects.filter(pk__in=actor.project_ids()).values_list("company_id", flat=True))
    if actor.company_id:
        companies.add(actor.company_id)
    if company_id is None:
        if len(companies) != 1:
            raise ActionRefused(_("无法确定您所在的物业公司。"))
        return next(iter(companies))
    if company_id not in companies and not actor.is_superuser:
        raise ActionRefused(_("您不能修改这家公司的话术。"))
    return company_id


def _check_phrase(data: PhraseData):
    from desk.models import Phrase

    errors: dict[str, list[str]] = {}
    if data.situation not in Phrase.Situation.values:
        errors["situation"] = [_("请选择场景。")]
    if not data.title.strip():
        errors["title"] = [_("请填写标题。")]
    elif len(data.title.strip()) > 100:
        errors["title"] = [_("最多 %(limit)s 个字。") % {"limit": 100}]
    if not data.body.strip():
        errors["body"] = [_("请填写内容。")]
    if len(data.keywords.strip()) > 200:
        errors["keywords"] = [_("最多 %(limit)s 个字。") % {"limit": 200}]
    _field_errors(errors)


def _check_phrase_editor(actor):
    if not selectors.may_edit_phrases(actor):
        raise ActionRefused(_("只有客服主管和客服经理可以修改话术库。"))


@transaction.atomic
def phrase_create(*, actor, data: PhraseData):
    from desk.models import Phrase

    _check_phrase_editor(actor)
    company_id = _phrase_company(actor)
    _check_phrase(data)
    phrase = Phrase.objects.create(
        company_id=company_id,
        situation=data.situation,
        title=data.title.strip(),
        body=data.body.strip(),
        keywords=data.keywords.strip(),
        order=data.order or 0,
        active=data.active,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    audit_record(actor=actor, obj=phrase, action="create")
    return phrase


@transaction.atomic
def phrase_update(*, actor, phrase, data: PhraseData):
    """Edit a phrase; switching it off (active=False) takes it out of the panels, nothing is
    deleted, and the audit trail keeps the previous wording."""
    from desk.models import Phrase

    _check_phrase_editor(actor)
    _phrase_company(actor, phrase.company_id)
    _check_phrase(data)
    phrase = Phrase.objects.select_for_update().get(pk=phrase.pk)
    changes = {}
    for name in ("situation", "title", "body", "keywords", "order", "active"):
        value = getattr(data, name)
        value = value.strip() if isinstance(value, str) else value
        if getattr(phrase, name) != value:
            changes[name] = [getattr(phrase, name), value]
            setattr(phrase, name, value)
    if not changes:
        return phrase
    phrase.updated_by = actor
    phrase.updated_at = timezone.now()
    phrase.save()
    audit_record(actor=actor, obj=phrase, action="edit", changes=changes)
    return phrase
