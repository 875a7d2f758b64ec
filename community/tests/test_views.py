import io
import shutil
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from community import services
from community.choices import Audience, NoticeState, SignupState
from community.models import Announcement, AnnouncementRead, Photo, Signup, VisitGroup
from desk.models import Phrase

pytestmark = pytest.mark.django_db


def get(client, user, name, *args, **kw):
    client.force_login(user)
    return client.get(reverse(f"community:{name}", args=args), kw)


def post(client, user, name, *args, data=None, **extra):
    client.force_login(user)
    return client.post(reverse(f"community:{name}", args=args), data or {}, **extra)


# ---------------------------------------------------------------- announcements


@pytest.mark.parametrize(
    "who,status",
    [("cs", 200), ("supervisor", 200), ("pm", 200), ("tech", 403), ("finance", 403), ("resident_user", 403)],
)
def test_announcement_list_cast(client, world, who, status):
    assert get(client, getattr(world, who), "announcements").status_code == status


def test_other_projects_announcement_is_404(client, world, make_notice):
    notice = make_notice()
    for name in ("announcement", "announcement-edit", "announcement-pdf"):
        assert get(client, world.outsider, name, notice.pk).status_code == 404
    assert post(client, world.outsider, "announcement-act", notice.pk, "publish").status_code == 404
    assert notice.pk not in [a.pk for a in get(client, world.outsider, "announcements").context["page"].rows]


def test_cs_drafts_through_the_form(client, world):
    resp = post(
        client,
        world.cs,
        "announcement-new",
        data={
            "project": world.project.pk,
            "title": "电梯维保",
            "body": "3栋电梯周二维保。",
            "audience": "rooms",
            "room_codes": "3-2-1502，3栋2单元1501",
        },
    )
    notice = Announcement.objects.get()
    assert resp.status_code == 302 and notice.state == NoticeState.DRAFT
    assert set(notice.rooms.values_list("code", flat=True)) == {"3-2-1502", "3-2-1501"}


def test_bad_room_code_redisplays_and_saves_nothing(client, world):
    resp = post(
        client,
        world.cs,
        "announcement-new",
        data={"project": world.project.pk, "title": "x", "body": "y", "audience": "rooms", "room_codes": "9-9-999"},
    )
    assert resp.status_code == 400
    assert "9-9-999" in resp.content.decode()
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    "typed",
    [
        "3栋2单元1502，3-2-1501",
        "３-２-１５０２、３-２-１５０１",
        " 3-2-1502 \n 3幢2单元1501室 ",
        "3-2-1502　3-2-1501",  # a full-width space between them
        "3#2-1502；3/2/1501；3-2-1502",
    ],
)
def test_announcement_rooms_are_read_as_staff_type_them(client, world, typed):
    resp = post(
        client,
        world.cs,
        "announcement-new",
        data={"project": world.project.pk, "title": "x", "body": "y", "audience": "rooms", "room_codes": typed},
    )
    assert resp.status_code == 302
    assert sorted(Announcement.objects.get().rooms.values_list("code", flat=True)) == ["3-2-1501", "3-2-1502"]


def test_announcement_rooms_of_another_project_are_named_as_typed(client, world):
    resp = post(
        client,
        world.cs,
        "announcement-new",
        data={
            "project": world.project.pk,
            "title": "x",
            "body": "y",
            "audience": "rooms",
            "room_codes": "3栋2单元1502, 1栋1单元101, １-１-１０１",
        },
    )
    assert resp.status_code == 400
    assert resp.context["form"].errors["room_codes"] == ["这个项目没有这些房号：1栋1单元101、１-１-１０１"]
    assert not Announcement.objects.exists()


def test_publish_from_the_page_and_refusal_for_cs(client, world, make_notice):
    notice = make_notice()
    resp = post(client, world.cs, "announcement-act", notice.pk, "publish")
    assert resp.status_code == 400
    assert "只有客服主管" in resp.content.decode()
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT
    resp = post(client, world.supervisor, "announcement-act", notice.pk, "publish")
    assert resp.status_code == 302
    notice.refresh_from_db()
    assert notice.state == NoticeState.PUBLISHED


def test_schedule_and_withdraw_from_the_page(client, world, make_notice):
    notice = make_notice()
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    resp = post(client, world.supervisor, "announcement-act", notice.pk, "schedule", data={"schedule-publish_at": when})
    assert resp.status_code == 302
    notice.refresh_from_db()
    assert notice.state == NoticeState.SCHEDULED
    post(client, world.supervisor, "announcement-act", notice.pk, "publish")
    resp = post(client, world.supervisor, "announcement-act", notice.pk, "withdraw", data={"withdraw-reason": ""})
    assert resp.status_code == 400
    resp = post(client, world.supervisor, "announcement-act", notice.pk, "withdraw", data={"withdraw-reason": "重复"})
    notice.refresh_from_db()
    assert notice.state == NoticeState.WITHDRAWN
    page = get(client, world.cs, "announcement", notice.pk).content.decode()
    assert "重复" in page and "撤回" in page


def test_notice_pdf_is_a4_with_chinese(client, world, make_notice, tmp_path):
    notice = services.announcement_publish(actor=world.supervisor, announcement=make_notice())
    resp = get(client, world.cs, "announcement-pdf", notice.pk)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    data = resp.content
    assert data.startswith(b"%PDF-")
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89" in info  # A4 portrait, in points
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("翠湖花园", "停水通知", "明天9点至12点停水", "盖章处"):
        assert words in text


def test_announcement_list_queries_are_bounded(client, world, make_notice, django_assert_max_num_queries):
    for i in range(12):
        kw = [
            {},
            {"audience": Audience.BUILDINGS, "building_ids": [world.room.building_id]},
            {"audience": Audience.ROOMS, "room_ids": [world.room.pk]},
        ][i % 3]
        n = make_notice(**kw)
        services.announcement_publish(actor=world.supervisor, announcement=n)
    client.force_login(world.cs)
    url = reverse("community:announcements")
    client.get(url)
    with django_assert_max_num_queries(12):
        resp = client.get(url)
    assert len(resp.context["rows"]) == 12


# ---------------------------------------------------------------- resident pages


def test_resident_sees_own_announcements_and_reading_is_tracked(client, world, make_notice, far_resident):
    mine = services.announcement_publish(
        actor=world.supervisor,
        announcement=make_notice(title="3栋停电", audience=Audience.BUILDINGS, building_ids=[world.room.building_id]),
    )
    page = get(client, world.resident_user, "my").content.decode()
    assert "3栋停电" in page and "未读" in page
    assert "3栋停电" not in get(client, far_resident, "my").content.decode()
    assert get(client, far_resident, "my-announcement", mine.pk).status_code == 404
    assert get(client, world.resident_user, "my-announcement", mine.pk).status_code == 200
    assert AnnouncementRead.objects.filter(announcement=mine, user=world.resident_user).exists()
    staff_page = get(client, world.cs, "announcement", mine.pk)
    assert (staff_page.context["readers"], staff_page.context["audience_size"]) == (1, 1)


def test_staff_may_not_use_resident_pages(client, world):
    assert get(client, world.cs, "my").status_code == 403


def test_resident_home_queries_are_bounded(client, world, make_notice, make_activity, django_assert_max_num_queries):
    for _ in range(5):
        services.announcement_publish(actor=world.supervisor, announcement=make_notice())
        make_activity()
    client.force_login(world.resident_user)
    with django_assert_max_num_queries(10):
        resp = client.get(reverse("community:my"))
    assert len(resp.context["notices"]) == 5 and len(resp.context["activities"]) == 5


def test_resident_signs_up_from_the_phone_and_double_is_refused(client, world, make_activity):
    activity = make_activity()
    resp = post(client, world.resident_user, "my-signup", activity.pk, follow=True)
    assert "报名成功" in resp.content.decode()
    resp = post(client, world.resident_user, "my-signup", activity.pk, follow=True)
    assert "已经报过名" in resp.content.decode()
    assert Signup.objects.filter(activity=activity).count() == 1


def test_resident_of_another_project_cannot_see_activity(client, world, make_activity):
    from core.choices import Role
    from tests.factories import make_user

    other = make_user("other_owner", Role.RESIDENT, company=world.company)
    world.other_resident.user = other
    world.other_resident.save()
    activity = make_activity()
    assert get(client, other, "my-activity", activity.pk).status_code == 404
    assert post(client, other, "my-signup", activity.pk).status_code == 404


def test_attendee_gives_feedback_from_the_phone(client, world, make_activity):
    activity = make_activity()
    signup = services.activity_signup(actor=world.resident_user, activity=activity, resident=world.resident)
    with time_machine.travel(activity.starts_at + timedelta(hours=2)):
        resp = post(client, world.resident_user, "my-activity", activity.pk, data={"rating": "4", "comment": "好"})
        assert resp.status_code == 400  # not marked present yet
        services.activity_attendance(actor=world.cs, activity=activity, attended_ids=[signup.pk])
        resp = post(client, world.resident_user, "my-activity", activity.pk, data={"rating": "4", "comment": "好"})
        assert resp.status_code == 302
    signup.refresh_from_db()
    assert signup.feedback.rating == 4


# ---------------------------------------------------------------- activities (staff)


@pytest.mark.parametrize("who,status", [("cs", 200), ("supervisor", 200), ("tech", 403), ("resident_user", 403)])
def test_activity_pages_cast(client, world, make_activity, who, status):
    activity = make_activity()
    assert get(client, getattr(world, who), "activities").status_code == status
    assert get(client, getattr(world, who), "activity", activity.pk).status_code == status


def test_other_projects_activity_is_404(client, world, make_activity):
    activity = make_activity()
    assert get(client, world.outsider, "activity", activity.pk).status_code == 404
    assert post(client, world.outsider, "activity-act", activity.pk, "signup").status_code == 404


@pytest.mark.parametrize("typed", ["3栋2单元1502", "３-２-１５０２", " 3-2-1502 "])
def test_desk_signs_up_on_behalf_by_the_room_as_typed(client, world, make_activity, typed):
    activity = make_activity(capacity=5)
    resp = post(client, world.cs, "activity-act", activity.pk, "signup", data={"behalf-room_code": typed})
    assert resp.status_code == 302
    assert list(Signup.objects.values_list("resident", flat=True)) == [world.resident.pk]


def test_desk_cannot_sign_up_another_projects_room(client, world, make_activity):
    activity = make_activity(capacity=5)
    resp = post(client, world.cs, "activity-act", activity.pk, "signup", data={"behalf-room_code": "1栋1单元101"})
    assert resp.status_code == 400 and "这个项目没有房号 1栋1单元101。" in resp.content.decode()
    assert not Signup.objects.exists()


def test_desk_signs_up_on_behalf_and_takes_attendance(client, world, make_activity):
    activity = make_activity(capacity=1)
    resp = post(client, world.cs, "activity-act", activity.pk, "signup", data={"behalf-room_code": "3-2-1502"})
    assert resp.status_code == 302
    resp = post(client, world.cs, "activity-act", activity.pk, "signup", data={"behalf-room_code": "3-2-1501"})
    assert resp.status_code == 302  # waitlisted, not refused
    resp = post(client, world.cs, "activity-act", activity.pk, "signup", data={"behalf-room_code": "8-8-808"})
    assert resp.status_code == 400
    states = dict(Signup.objects.values_list("resident__name", "state"))
    assert states == {"张三": SignupState.CONFIRMED, "李四": SignupState.WAITLISTED}
    confirmed = Signup.objects.get(state=SignupState.CONFIRMED)
    with time_machine.travel(activity.starts_at):
        resp = post(client, world.cs, "activity-act", activity.pk, "attendance", data={"attended": [confirmed.pk]})
        assert resp.status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.attended is True


def test_create_activity_form_errors(client, world):
    now = timezone.localtime()
    resp = post(
        client,
        world.cs,
        "activity-new",
        data={
            "project": world.project.pk,
            "title": "讲座",
            "place": "会所",
            "capacity": 10,
            "starts_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "signup_deadline": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert resp.status_code == 400 and "报名截止不能晚于活动开始" in resp.content.decode()


def _png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buf, "PNG")
    buf.seek(0)
    buf.name = "photo.png"
    return buf


def test_photos_upload_and_serve_only_to_those_who_may_see(client, world, make_activity):
    activity = make_activity()
    resp = post(client, world.cs, "activity-act", activity.pk, "photos", data={"photos-files": [_png_bytes()]})
    assert resp.status_code == 302
    photo = Photo.objects.get()
    assert get(client, world.cs, "photo", photo.pk).status_code == 200
    assert get(client, world.resident_user, "photo", photo.pk).status_code == 200
    assert get(client, world.outsider, "photo", photo.pk).status_code == 404


def test_activity_list_queries_bounded(client, world, make_activity, django_assert_max_num_queries):
    for _ in range(10):
        make_activity()
    client.force_login(world.cs)
    with django_assert_max_num_queries(10):
        resp = client.get(reverse("community:activities"))
    assert len(resp.context["page"].rows) == 10


# ---------------------------------------------------------------- visits


def _visit(world, **kw):
    data = dict(
        project_id=world.project.pk,
        organisation="兄弟物业",
        size=8,
        visit_at=timezone.now(),
        contact_name="黄主任",
        contact_phone="13811112222",
    )
    data.update(kw)
    return services.visit_create(actor=world.cs, data=services.VisitData(**data))


def test_visit_pages_mask_the_phone_and_scope(client, world, django_assert_max_num_queries):
    for _ in range(6):
        visit = _visit(world, receiver_ids=[world.cs.pk, world.supervisor.pk])
    client.force_login(world.cs)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("community:visits")).content.decode()
    assert "138****2222" in page and "13811112222" not in page
    detail = get(client, world.cs, "visit", visit.pk).content.decode()
    assert "138****2222" in detail and "13811112222" not in detail
    assert get(client, world.outsider, "visit", visit.pk).status_code == 404
    assert get(client, world.tech, "visits").status_code == 403


def test_visit_form_creates_and_edits(client, world):
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    resp = post(
        client,
        world.cs,
        "visit-new",
        data={
            "project": world.project.pk,
            "organisation": "区住建局",
            "size": 5,
            "visit_at": when,
            "receivers": [world.pm.pk],
        },
    )
    visit = VisitGroup.objects.get()
    assert resp.status_code == 302 and list(visit.receivers.all()) == [world.pm]
    resp = post(
        client, world.cs, "visit-edit", visit.pk, data={"organisation": "区住建局", "size": 0, "visit_at": when}
    )
    assert resp.status_code == 400
    resp = post(client, world.cs, "visit-act", visit.pk, "feedback", data={"vf-rating": "5", "vf-feedback": "满意"})
    visit.refresh_from_db()
    assert resp.status_code == 302 and visit.rating == 5


def test_visit_edit_form_does_not_reveal_the_phone(client, world):
    """QA: the edit form used to prefill the full number, bypassing the logged reveal."""
    visit = _visit(world)
    page = get(client, world.cs, "visit-edit", visit.pk).content.decode()
    assert "13811112222" not in page and "138****2222" in page
    when = timezone.localtime(visit.visit_at).strftime("%Y-%m-%dT%H:%M")
    base = {"organisation": "兄弟物业", "contact_name": "黄主任", "size": 9, "visit_at": when}
    assert post(client, world.cs, "visit-edit", visit.pk, data=base).status_code == 302
    visit.refresh_from_db()
    assert visit.contact_phone == "13811112222" and visit.size == 9  # blank phone keeps the number
    assert (
        post(client, world.cs, "visit-edit", visit.pk, data={**base, "contact_phone": "13900001111"}).status_code == 302
    )
    visit.refresh_from_db()
    assert visit.contact_phone == "13900001111"


# ---------------------------------------------------------------- phrase library


@pytest.fixture
def phrases(world):
    return [
        Phrase.objects.create(company=world.company, situation="intake", title="接听开场", body="您好，客服中心。"),
        Phrase.objects.create(
            company=world.company,
            situation="return_visit",
            title="回访开场",
            body="您好，做个回访。",
            keywords="满意度",
        ),
    ]


@pytest.mark.parametrize("who,status", [("cs", 200), ("supervisor", 200), ("tech", 403), ("resident_user", 403)])
def test_library_cast(client, world, phrases, who, status):
    assert get(client, getattr(world, who), "phrases").status_code == status


def test_library_search_and_htmx(client, world, phrases):
    resp = get(client, world.cs, "phrases", q="满意度")
    assert "回访开场" in resp.content.decode() and "接听开场" not in resp.content.decode()
    client.force_login(world.cs)
    resp = client.get(reverse("community:phrases"), {"situation": "intake"}, HTTP_HX_REQUEST="true")
    assert "接听开场" in resp.content.decode() and "<html" not in resp.content.decode()


def test_only_supervisors_edit_from_the_pages(client, world, phrases):
    assert get(client, world.cs, "phrase-new").status_code == 403
    assert post(client, world.cs, "phrase-edit", phrases[0].pk, data={"title": "x"}).status_code == 403
    resp = post(
        client,
        world.supervisor,
        "phrase-edit",
        phrases[0].pk,
        data={"situation": "intake", "title": "接听开场白", "body": "您好。", "order": 0, "active": "on"},
    )
    assert resp.status_code == 302
    phrases[0].refresh_from_db()
    assert phrases[0].title == "接听开场白" and phrases[0].updated_by == world.supervisor
    assert "只有客服主管" not in get(client, world.supervisor, "phrase-new").content.decode()


def test_panel_beside_intake_and_return_visit(client, world, phrases):
    client.force_login(world.cs)
    intake = client.get(reverse("desk:intake")).content.decode()
    assert 'id="phrase-panel-intake"' in intake and "接听开场" in intake and "phrase-copy" in intake
    panel = get(client, world.cs, "phrase-panel", situation="return_visit", q="回访").content.decode()
    assert "回访开场" in panel and "接听开场" not in panel
    visits = get(client, world.cs, "index")
    assert visits.status_code == 302
    client.force_login(world.cs)
    assert 'id="phrase-panel-return_visit"' in client.get(reverse("desk:visits")).content.decode()
    assert get(client, world.tech, "phrase-panel").status_code == 403


def test_panel_in_the_return_visit_form(client, world, phrases):
    from core.choices import DepartmentKind
    from desk.services import request_accept, request_arrive, request_dispatch, request_resolve

    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.ENGINEERING], assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    request_resolve(actor=world.tech, request=sr, result="已修好")
    client.force_login(world.cs2)  # someone other than the implementer visits
    page = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    assert 'id="form-visit"' in page and 'id="phrase-panel-return_visit"' in page
    client.force_login(world.tech)
    assert 'id="phrase-panel-return_visit"' not in client.get(reverse("desk:detail", args=[sr.pk])).content.decode()


def test_author_edits_a_draft_through_the_form(client, world, make_notice, far_resident):
    notice = make_notice()
    far_building = far_resident.resident.occupancies.get().room.building_id
    resp = post(
        client,
        world.cs,
        "announcement-edit",
        notice.pk,
        data={"title": "停水通知（更正）", "body": "改为10点。", "audience": "buildings", "buildings": [far_building]},
    )
    assert resp.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "停水通知（更正）" and notice.project == world.project
    assert list(notice.buildings.values_list("pk", flat=True)) == [far_building]
    assert (
        post(
            client, world.cs2, "announcement-edit", notice.pk, data={"title": "x", "body": "y", "audience": "project"}
        ).status_code
        == 400
    )
