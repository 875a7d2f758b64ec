"""The owner on a 390 px phone (issue 14, household and community): signs in with a code read from
the outbox, adds a family member, agrees to a tenant's goods pass, signs up for an activity and
reads an announcement (the read counts in the staff's figures). No page scrolls sideways."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community import services as community
from community.models import AnnouncementRead, Signup
from community.selectors import read_stats
from core.choices import Role
from estate.choices import Relation
from estate.models import Occupancy
from frontdesk import services as front
from frontdesk.choices import PassState
from frontdesk.tests.conftest import ID_CARD
from portal.models import DevOutbox
from tests.factories import World, make_resident, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def test_owner_keeps_the_household_and_joins_the_community(browser, live_server, shots):
    world = World()
    tenant = make_user("ten", Role.RESIDENT, company=world.company)
    make_resident(world.room, "租客王", "13811113333", relation=Relation.TENANT, user=tenant)
    goods_pass = front.goods_pass_apply(
        actor=tenant,
        data=front.PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="老李",
            carrier_id_number=ID_CARD,
            items=[("钢琴", 1)],
        ),
    )
    notice = community.announcement_create(
        actor=world.cs, data=community.NoticeData(project_id=world.project.pk, title="停水通知", body="明天 9 点停水。")
    )
    community.announcement_publish(actor=world.supervisor, announcement=notice)
    now = timezone.now()
    activity = community.activity_create(
        actor=world.cs,
        data=community.ActivityData(
            project_id=world.project.pk,
            title="中秋游园会",
            starts_at=now + timedelta(days=3),
            place="中心花园",
            capacity=10,
            signup_deadline=now + timedelta(days=2),
        ),
    )

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/my/")
    page.fill("#id_phone", "13812345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    code = re.search(r"\d{6}", DevOutbox.objects.get(phone="13812345678").text).group()
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("button[type=submit]")

    # the home says the tenant's pass waits for the owner, and leads to 我家
    assert "钢琴" not in page.locator("#to-confirm").inner_text()  # who and when, not the goods
    assert "ten 申请" in page.locator("#to-confirm").inner_text()  # the tenant's account's name
    shots("home-to-confirm", page)
    with page.expect_navigation():
        page.click("#to-confirm a.btn")
    assert page.url.endswith("/my/home/")

    # my household: a family member added
    with page.expect_navigation():
        page.click("nav.tabs >> text=我家")
    no_sideways_scroll(page)
    page.click("#add-person summary")
    page.fill("#id_p-name", "张小妹")
    page.fill("#id_p-phone", "13855556666")
    with page.expect_navigation():
        page.click("#add-person button[type=submit]")
    assert "张小妹" in page.locator("#people").inner_text()
    assert Occupancy.objects.current().filter(room=world.room, resident__name="张小妹").exists()
    no_sideways_scroll(page)
    shots("household", page)

    # the tenant's goods pass, agreed
    assert "钢琴" in page.locator("#passes").inner_text()
    with page.expect_navigation():
        page.click("#passes button[type=submit]")
    goods_pass.refresh_from_db()
    assert goods_pass.state == PassState.AUTHORISED and goods_pass.authorised_user == world.resident_user
    assert page.locator("#passes").count() == 0

    # community: sign up, then read the announcement
    # each click opens a page: wait for it before measuring it (the measure ran mid-navigation)
    for link in ("nav.tabs >> text=通知", "text=社区活动", "text=中秋游园会"):
        with page.expect_navigation():
            page.click(link)
    no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("#signup-button")
    assert "您已报名" in page.locator("#my-signup").inner_text()
    assert Signup.objects.get(activity=activity).resident == world.resident
    shots("activity", page)

    page.click("nav.tabs >> text=通知")
    page.click("text=停水通知")
    assert "明天 9 点停水" in page.locator("#notice-body").inner_text()
    no_sideways_scroll(page)
    assert AnnouncementRead.objects.filter(announcement=notice, user=world.resident_user).exists()
    assert read_stats([notice])[notice.pk][0] == 1

    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/my/home/", "/my/passes/", "/my/renovation/", "/my/activities/"):
        page.goto(f"{live_server.url}{path}")
        no_sideways_scroll(page)
    context.close()
