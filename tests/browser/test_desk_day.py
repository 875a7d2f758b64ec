"""A day at the desk in a real browser (issue 12): the technician told of a dispatch in his inbox,
the supervisor's board whose numbers open their lists and refresh themselves, pages that keep
their layout with long texts and narrow screens, and a navbar that fits a 1366 px laptop for
every role."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from core.choices import DepartmentKind, Role
from core.models import User
from desk.models import ServiceRequest
from desk.services import request_dispatch
from tests.browser.test_journey import signed_in
from tests.factories import World, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_technician_finds_the_dispatch_in_his_inbox(browser, live_server, shots):
    world = World()
    eng = world.dept[DepartmentKind.ENGINEERING]
    for person in (world.lead, world.tech2):  # both busy: the least loaded on duty is 孙师傅
        busy = world.register(title="别的活")
        request_dispatch(actor=world.cs, request=busy, department=eng, assignee=person)
    sr = world.register(title="楼上漏水到我家")

    desk = signed_in(browser, live_server, "cs")
    desk.goto(f"{live_server.url}/requests/{sr.pk}/")
    desk.click("#btn-dispatch")
    form = desk.locator("#form-dispatch")
    form.wait_for(state="visible")
    assignee = form.locator("select[name=assignee]")
    # the category's department, its people only, the least loaded on duty chosen and named
    assert form.locator("select[name=department]").input_value() == str(eng.pk)
    assert assignee.input_value() == "least"
    assert "孙师傅" in assignee.locator("option:checked").inner_text()
    assert "保安" not in assignee.inner_text() and "guard" not in assignee.inner_text()
    # another department: the list follows it (htmx), then back
    form.locator("select[name=department]").select_option(str(world.dept[DepartmentKind.SECURITY].pk))
    options = f"document.querySelector('#dispatch-assignee-{sr.pk}').textContent"
    desk.wait_for_function(f"() => {options}.includes('guard')")
    assert "孙师傅" not in assignee.inner_text()
    form.locator("select[name=department]").select_option(str(eng.pk))
    desk.wait_for_function(f"() => {options}.includes('孙师傅')")
    shots("dispatch-form", desk)
    with desk.expect_navigation():
        form.locator("button[name=submit-dispatch]").click()
    assert ServiceRequest.objects.get(pk=sr.pk).assignee == world.tech

    tech = signed_in(browser, live_server, "tech", mobile=True)
    tech.goto(f"{live_server.url}/jobs/")
    tech.locator("button.navbar-toggler").click()
    tech.locator("#nav.show").wait_for()  # the menu fully open (not mid-animation) before clicking in it
    badge = tech.locator("#unread-count")
    badge.wait_for()
    assert badge.inner_text() == "1"
    with tech.expect_navigation():
        tech.click("#inbox-link")
    note = tech.locator(".list-group-item-warning a", has_text=sr.number)
    assert "新工单派给您" in note.inner_text()
    shots("inbox", tech)
    with tech.expect_navigation():
        note.click()
    assert tech.url.endswith(f"/requests/{sr.pk}/")
    assert "楼上漏水到我家" in tech.locator("h2").first.inner_text()


def board_number(page, figure: str) -> int:
    return int(page.locator(f'[data-figure="{figure}"]').first.get_attribute("data-n"))


def rows_listed(page) -> int:
    return page.locator('#rows tbody a[href^="/requests/"]').count()


def test_the_board_numbers_open_their_lists_and_refresh_themselves(browser, live_server, shots, settings):
    settings.PROPDESK_BOARD_REFRESH_SECONDS = 2
    world = World()
    eng = world.dept[DepartmentKind.ENGINEERING]
    now = timezone.now()
    for i, (person, late) in enumerate([(world.tech, True), (world.tech, False), (world.tech2, True)]):
        sr = world.register(title=f"工单{i}")
        request_dispatch(actor=world.cs, request=sr, department=eng, assignee=person)
        ServiceRequest.objects.filter(pk=sr.pk).update(due_at=now + timedelta(hours=-1 if late else 3))

    page = signed_in(browser, live_server, "sup")
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/board/")  # the supervisor lands on the board
    page.locator("#chart-intake canvas").wait_for()
    shots("board", page)
    assert board_number(page, "overdue") == 2
    for figure in ("overdue", f"person-{eng.pk}-{world.tech.pk}-work", "intake_today"):
        n = board_number(page, figure)
        with page.expect_navigation():
            page.locator(f'[data-figure="{figure}"]').first.click()
        assert rows_listed(page) == n, figure
        page.go_back()
        page.locator("#board").wait_for()

    # a new overdue request appears without reloading the page
    page.evaluate("window.boardMark = 1")
    sr = world.register(title="新来的")
    ServiceRequest.objects.filter(pk=sr.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    page.wait_for_function("() => document.querySelector('[data-figure=overdue]').dataset.n === '3'", timeout=15_000)
    assert page.evaluate("window.boardMark") == 1  # the same page: no reload


def test_long_texts_keep_the_request_page_in_two_columns(browser, live_server, shots):
    world = World()
    long_word = "漏" * 20 + "A" * 170  # one unbroken word, as long as a title may be
    world.register(title=long_word)  # listed beside the other one, among the household's requests
    sr = world.register(title=long_word, description=long_word * 2, location=long_word)
    page = signed_in(browser, live_server, "cs")
    page.goto(f"{live_server.url}/requests/{sr.pk}/")
    shots("long-texts", page)
    layout = page.evaluate(
        """() => {
        const main = document.querySelector('.request-page .col-lg-8').getBoundingClientRect();
        const side = document.querySelector('.request-page .col-lg-4').getBoundingClientRect();
        return {mainTop: main.top, sideTop: side.top, mainRight: main.right, sideLeft: side.left,
                sideRight: side.right, width: window.innerWidth, scroll: document.documentElement.scrollWidth};
    }"""
    )
    assert layout["sideTop"] == layout["mainTop"]  # side by side
    assert layout["mainRight"] <= layout["sideLeft"] + 1
    assert layout["sideRight"] <= layout["width"] and layout["scroll"] <= layout["width"]
    # and nothing spills out of its box into the other column
    spilled = page.evaluate(
        """() => [...document.querySelectorAll('.request-page *')]
            .filter(e => e.clientWidth > 0 && getComputedStyle(e).overflowX === 'visible' && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert spilled == []


@pytest.mark.parametrize("width", [1366, 390])
def test_the_workbench_never_clips_the_deadline(browser, live_server, shots, width):
    world = World()
    for i in range(3):
        world.register(title="很长的标题" * 12 + str(i), severity="urgent")
    ServiceRequest.objects.update(due_at=timezone.now() + timedelta(minutes=30))
    page = signed_in(browser, live_server, "cs", mobile=width < 500)
    page.goto(f"{live_server.url}/desk/")
    shots(f"workbench-{width}", page)
    found = page.evaluate(
        """() => [...document.querySelectorAll('.table-queue td.deadline')].filter(td => td.offsetParent).map(td => {
            const card = td.closest('.card').getBoundingClientRect();
            const r = td.getBoundingClientRect();
            const badge = td.querySelector('.badge');
            return {left: r.left, right: r.right, cardLeft: card.left, cardRight: card.right,
                    badge: badge ? badge.getBoundingClientRect().right : null,
                    first: td === td.parentElement.firstElementChild};
        })"""
    )
    assert found, "no deadlines shown"
    for cell in found:
        assert cell["first"]
        assert cell["cardLeft"] - 1 <= cell["left"] and cell["right"] <= cell["cardRight"] + 1, cell
        assert cell["badge"] is not None and cell["badge"] <= cell["cardRight"] + 1, cell
    assert page.evaluate("document.documentElement.scrollWidth") <= width


ROLES = {
    "cs": None,
    "sup": None,
    "mgr": None,
    "pm": None,
    "lead": None,
    "tech": None,
    "guard": None,
    "fin": None,
    "owner": None,
    "lobby": Role.LOBBY,
    "admin": Role.COMPANY_ADMIN,
    "root": Role.CS_STAFF,
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_navbar_fits_on_one_line_at_1366_for_every_role(browser, live_server, language):
    world = World()
    make_user("lobby", Role.LOBBY, [world.project], world.dept[DepartmentKind.CUSTOMER_SERVICE], world.company)
    make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    make_user("root", Role.CS_STAFF, [world.project, world.other_project], is_superuser=True, is_staff=True)
    User.objects.update(language=language)
    for username in ROLES:
        page = signed_in(browser, live_server, username)
        page.goto(f"{live_server.url}/requests/")
        bar = page.evaluate(
            """() => {
            const nav = document.querySelector('nav.navbar');
            const menu = document.getElementById('nav');
            const tops = [...menu.querySelectorAll(':scope > *, .navbar-nav > .nav-item')]
                .map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));
            return {height: nav.getBoundingClientRect().height, menu: menu.scrollWidth - menu.clientWidth,
                    page: document.documentElement.scrollWidth, spread: Math.max(...tops) - Math.min(...tops),
                    lang: document.documentElement.lang};
        }"""
        )
        assert bar["lang"] == language, username
        assert bar["height"] < 64 and bar["spread"] < 16, (username, bar)  # one line
        assert bar["menu"] <= 0 and bar["page"] <= 1366, (username, bar)
        page.context.close()


def test_signed_in_the_user_menu_switches_language(browser, live_server):
    World()
    page = signed_in(browser, live_server, "cs")
    page.goto(f"{live_server.url}/requests/")
    page.click("#nav-user")
    with page.expect_navigation():
        page.locator("#nav-language button").click()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert re.search(r"Requests", page.locator("nav").inner_text())
    assert User.objects.get(username="cs").language == "en"


# Pages most roles may not open, in the order tried: the first that refuses a role is its 403.
REFUSABLE = ["/import/", "/review/", "/safety/missed/", "/board/", "/frontdesk/", "/billing/runs/"]


@pytest.mark.parametrize("mobile", [False, True], ids=["desktop", "phone"])
def test_every_roles_refused_page_explains_itself_in_the_product(browser, live_server, shots, mobile):
    """Issue 12 §5: a 403 is a page of the product, with the role's own navigation and the reason,
    in the user's language, at a laptop's and a phone's width (no sideways scrolling)."""
    from django.test import Client

    world = World()
    make_user("lobby", Role.LOBBY, [world.project], world.dept[DepartmentKind.CUSTOMER_SERVICE], world.company)
    make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    seen = 0
    for username in [u for u in ROLES if u != "root"]:
        probe = Client()
        probe.force_login(User.objects.get(username=username))
        refused = next((url for url in REFUSABLE if probe.get(url).status_code == 403), None)
        if refused is None:
            continue  # this role opens every one of them (the company administrator)
        page = signed_in(browser, live_server, username, mobile=mobile)
        response = page.goto(f"{live_server.url}{refused}")
        assert response.status == 403, (username, refused)
        assert page.locator("#error-page").is_visible(), (username, refused)
        reason = page.locator("#error-reason").inner_text().strip()
        assert reason and "Forbidden" not in page.content(), (username, refused)
        assert page.locator("nav.navbar").count() == 1, username
        assert page.evaluate("document.documentElement.lang") == "zh-hans"
        width = 390 if mobile else 1366
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (username, refused)
        shots(f"403-{username}", page)
        page.context.close()
        seen += 1
    assert seen >= 7  # every role but the administrator met a refusal
