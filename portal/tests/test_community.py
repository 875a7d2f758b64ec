"""Community and renovation in the residents' app, with the cast: an announcement read in the app
counts in the staff's read figures; sign-up, waitlist and cancel through community's services; the
owner applies for a renovation and follows its steps; others' records by id are 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services
from community.choices import Audience, SignupState
from community.models import AnnouncementRead, Signup
from community.selectors import read_stats
from community.services import ActivityData, NoticeData
from renovation.choices import State
from renovation.models import Renovation
from renovation.tests.helpers import apply, drive, png


@pytest.fixture
def notice(world):
    item = services.announcement_create(
        actor=world.cs, data=NoticeData(project_id=world.project.pk, title="停水通知", body="明天 9 点停水。")
    )
    return services.announcement_publish(actor=world.supervisor, announcement=item)


@pytest.fixture
def rooms_notice(world):
    item = services.announcement_create(
        actor=world.cs,
        data=NoticeData(
            project_id=world.project.pk,
            title="1502 专门通知",
            body="只给 3-2-1502。",
            audience=Audience.ROOMS,
            room_ids=[world.room.pk],
        ),
    )
    return services.announcement_publish(actor=world.supervisor, announcement=item)


def activity(world, capacity=1, **kw):
    now = timezone.now()
    return services.activity_create(
        actor=world.cs,
        data=ActivityData(
            project_id=world.project.pk,
            title="中秋游园会",
            starts_at=now + timedelta(days=3),
            place="中心花园",
            capacity=capacity,
            signup_deadline=now + timedelta(days=2),
            **kw,
        ),
    )


def test_reading_in_the_app_counts_in_the_staffs_figures(client, cast, world, notice):
    assert read_stats([notice])[notice.pk][0] == 0
    client.force_login(cast.tenant)
    assert "停水通知" in client.get(reverse("portal:notices")).content.decode()
    page = client.get(reverse("portal:notice", args=[notice.pk]))
    assert page.status_code == 200 and "明天 9 点停水" in page.content.decode()
    client.get(reverse("portal:notice", args=[notice.pk]))  # twice: one reader
    client.force_login(cast.owner)
    client.get(reverse("portal:notice", args=[notice.pk]))
    readers, audience = read_stats([notice])[notice.pk]
    assert readers == 2 and AnnouncementRead.objects.filter(user=cast.tenant).count() == 1
    assert audience >= 3
    # the staff's announcement page shows the figure
    client.force_login(world.cs)
    assert client.get(reverse("portal:notice", args=[notice.pk])).status_code == 403


def test_a_notice_for_other_rooms_is_404(client, cast, rooms_notice):
    client.force_login(cast.other)
    assert client.get(reverse("portal:notice", args=[rooms_notice.pk])).status_code == 404
    assert "1502 专门通知" not in client.get(reverse("portal:notices")).content.decode()
    assert not AnnouncementRead.objects.exists()
    client.force_login(cast.family)
    assert client.get(reverse("portal:notice", args=[rooms_notice.pk])).status_code == 200


def test_sign_up_waitlist_and_cancel_moves_the_waitlist_up(client, cast, world):
    item = activity(world, capacity=1)
    client.force_login(cast.owner)
    assert "中秋游园会" in client.get(reverse("portal:activities")).content.decode()
    client.post(reverse("portal:activity-signup", args=[item.pk]))
    mine = Signup.objects.get(resident__user=cast.owner)
    assert mine.state == SignupState.CONFIRMED
    client.force_login(cast.tenant)
    page = client.get(reverse("portal:activity", args=[item.pk])).content.decode()
    assert "名额已满，加入候补" in page
    client.post(reverse("portal:activity-signup", args=[item.pk]))
    theirs = Signup.objects.get(resident__user=cast.tenant)
    assert theirs.state == SignupState.WAITLISTED
    # twice: refused, nothing new
    client.post(reverse("portal:activity-signup", args=[item.pk]))
    assert Signup.objects.filter(resident__user=cast.tenant).count() == 1
    # the tenant cannot cancel the owner's sign-up
    assert client.post(reverse("portal:signup-cancel", args=[mine.pk])).status_code == 404
    client.force_login(cast.owner)
    client.post(reverse("portal:signup-cancel", args=[mine.pk]))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == SignupState.CANCELLED and theirs.state == SignupState.CONFIRMED


def test_another_projects_activity_is_404(client, cast, world):
    elsewhere = services.activity_create(
        actor=world.outsider,
        data=ActivityData(
            project_id=world.other_project.pk,
            title="锦江活动",
            starts_at=timezone.now() + timedelta(days=3),
            place="会所",
            capacity=5,
            signup_deadline=timezone.now() + timedelta(days=2),
        ),
    )
    client.force_login(cast.owner)
    assert client.get(reverse("portal:activity", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("portal:activity-signup", args=[elsewhere.pk])).status_code == 404
    assert not Signup.objects.exists()


@pytest.mark.parametrize("name", ["portal:activities", "portal:renovations"])
def test_lists_for_anonymous_and_staff(client, cast, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(cast.staff)
    assert client.get(reverse(name)).status_code == 403


def _application(world, start):
    return {
        "room": world.room.pk,
        "scope": "厨卫改造，铺地板",
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(days=30)).isoformat(),
        "contractor_name": "好家装饰",
        "contractor_licence": "91330100XXXX",
        "contractor_person": "钱师傅",
        "contractor_phone": "13912345678",
        "drawings": [png()],
    }


def test_the_owner_applies_for_a_renovation_and_follows_its_steps(client, cast, world):
    start = timezone.localdate() + timedelta(days=3)
    client.force_login(cast.tenant)
    assert client.get(reverse("portal:renovation-new")).status_code == 403
    client.post(reverse("portal:renovation-new"), _application(world, start))
    assert not Renovation.objects.exists()
    client.force_login(cast.owner)
    bad = _application(world, timezone.localdate() - timedelta(days=1))
    assert client.post(reverse("portal:renovation-new"), bad).status_code == 400
    assert not Renovation.objects.exists()
    response = client.post(reverse("portal:renovation-new"), _application(world, start))
    r = Renovation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:renovation", args=[r.pk])
    assert r.room == world.room and r.by_resident and r.submitted_by == cast.owner
    drive(world, State.IN_PROGRESS, r)
    page = client.get(reverse("portal:renovation", args=[r.pk])).content.decode()
    assert "提交申请" in page and "审核通过" in page and "已发装修许可证" in page
    client.force_login(cast.family)  # the household sees its progress
    assert client.get(reverse("portal:renovation", args=[r.pk])).status_code == 200
    client.force_login(cast.other)
    assert client.get(reverse("portal:renovation", args=[r.pk])).status_code == 404


def test_another_rooms_renovation_is_404(client, cast, world):
    theirs = apply(world, room=world.room2, scope="乙户阳台")
    client.force_login(cast.owner)
    assert client.get(reverse("portal:renovation", args=[theirs.pk])).status_code == 404
