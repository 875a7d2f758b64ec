"""The intake page registers every kind a clerk can pick, with the form's defaults, through both
buttons, for every role that registers: the page submits the hidden selects of the other kinds
(complaint validity, repair paid) and the save must not trip on them."""

import pytest

from desk.choices import Kind, State
from desk.models import ServiceRequest
from tests.browser.test_journey import signed_in
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose_household(page, live_server):
    page.goto(f"{live_server.url}/requests/new/")
    page.fill("#lookup", "3-2-1502")
    page.locator("#lookup-results [data-room]").first.wait_for()
    page.keyboard.press("Enter")
    page.locator("#household-card").wait_for()


def test_every_kind_registers_from_the_page_with_its_defaults(browser, live_server, shots):
    World()
    page = signed_in(browser, live_server, "cs")
    for kind in Kind.values:
        for button in ("register", "dispatch_next"):
            title = f"{kind}-{button}"
            choose_household(page, live_server)
            page.click(f"label[for=kind-{kind}]")
            page.fill("#id_title", title)
            with page.expect_navigation():
                page.click(f"button[name={button}]")
            assert page.locator("#form-errors").count() == 0, page.locator("#form-errors").inner_text()
            sr = ServiceRequest.objects.get(title=title)
            assert sr.kind == kind and sr.state == State.REGISTERED and sr.room.code == "3-2-1502"
            if button == "dispatch_next":
                assert page.url.endswith(f"/requests/{sr.pk}/")
            else:
                assert page.locator("#registered").is_visible()
        shots(f"registered-{kind}", page)
    assert ServiceRequest.objects.count() == 2 * len(Kind.values)


@pytest.mark.parametrize("username", ["sup", "mgr", "pm"])
def test_every_registering_role_saves_a_repair_with_the_defaults(browser, live_server, username):
    World()
    page = signed_in(browser, live_server, username)
    choose_household(page, live_server)
    page.click("label[for=kind-repair]")
    page.fill("#id_title", "灯不亮")
    with page.expect_navigation():
        page.click("button[name=register]")
    assert page.locator("#form-errors").count() == 0
    assert ServiceRequest.objects.get(title="灯不亮").kind == Kind.REPAIR


def test_a_refused_save_keeps_the_household_and_names_the_field(browser, live_server):
    World()
    page = signed_in(browser, live_server, "cs")
    choose_household(page, live_server)
    label = page.locator("#chosen-room-label").inner_text()
    page.click("label[for=kind-repair]")
    page.fill("#id_caller_phone", "12ab")  # refused by the form
    page.fill("#id_title", "灯不亮")
    with page.expect_navigation():
        page.click("button[name=register]")
    assert "联系电话" in page.locator("#form-errors").inner_text()
    assert page.locator("#chosen-room-label").inner_text() == label
    assert page.locator("#kind-repair").is_checked()
    assert page.input_value("#id_title") == "灯不亮"
    assert ServiceRequest.objects.count() == 0
