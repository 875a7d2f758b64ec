"""The intake by keyboard alone (issue 12): F2 opens it from any page; the lookup shows the best
match's household before the pick; every field is reached in order with Tab; every kind is
registered without the mouse (the category typed as pinyin initials); the suggestion is
pre-selected as the complaint is typed, Alt+J takes it whole (also over a field set by hand), and
Ctrl+Shift+Enter registers and dispatches to the suggested department in one step."""

import pytest

from core.choices import DepartmentKind
from desk.choices import Kind, State
from desk.models import Category, ServiceRequest
from desk.suggest import install_default_keywords
from tests.browser.test_journey import signed_in
from tests.factories import World, make_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAK = "楼上卫生间漏水到我家了"


def open_intake_with_f2(page, live_server):
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.keyboard.press("F2")
    assert page.url.endswith("/requests/new/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'lookup'")


def pick_household(page, typed="3-2-1502"):
    page.keyboard.type(typed)
    page.locator("#lookup-results [data-room]").first.wait_for()
    page.locator("#household-card").wait_for()  # the best match, before any pick
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'id_title'")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_f2_and_alt_n_open_the_intake_from_any_page(browser, live_server):
    World()
    page = signed_in(browser, live_server, "cs")
    open_intake_with_f2(page, live_server)
    page.goto(f"{live_server.url}/requests/")
    with page.expect_navigation():
        page.keyboard.press("Alt+KeyN")
    assert page.url.endswith("/requests/new/")
    # on the intake page itself F2 puts the cursor back in the lookup
    page.click("#id_title")
    page.keyboard.press("F2")
    assert focused(page) == "lookup"


def test_the_best_match_shows_beside_the_list_and_follows_the_arrow_keys(browser, live_server):
    world = World()
    page = signed_in(browser, live_server, "cs")
    page.goto(f"{live_server.url}/requests/new/")
    # type only once the cursor is in the lookup, as a person would: on a slow machine the
    # keystrokes otherwise land before the page has put the focus there and are lost
    page.wait_for_function("document.activeElement && document.activeElement.id === 'lookup'")
    page.keyboard.type("三栋二单元")
    page.locator("#lookup-results [data-room]").nth(1).wait_for()
    first = page.locator("#household-card .card-header a").first
    first.wait_for()
    assert first.inner_text() == "3-2-1501"  # the first in code order
    assert page.locator("#household-hint").is_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # the second household: its panel follows
    page.wait_for_function("document.querySelector('#household-card a').textContent === '3-2-1502'")
    page.keyboard.press("Enter")
    assert page.input_value("#id_room") == str(world.room.pk)
    assert not page.locator("#household-hint").is_visible()


def test_every_field_is_reached_in_order_with_tab(browser, live_server):
    World()
    page = signed_in(browser, live_server, "cs")
    open_intake_with_f2(page, live_server)
    order = ["lookup"]
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["lookup", "id_project", "id_caller_name", "id_caller_phone", "id_title", "id_description"]
    order = []
    while len(order) < 20 and (not order or order[-1] != "submit-dispatch"):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == [
        "kind-complaint",
        "category-input",
        "sev-general",
        "id_channel",
        "id_validity",
        "id_location",
        "related-lookup",
        "id_department",
        "submit-register",
        "submit-dispatch",
    ]


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_is_registered_by_keyboard_alone(browser, live_server, kind):
    world = World()
    page = signed_in(browser, live_server, "cs")
    open_intake_with_f2(page, live_server)
    pick_household(page)
    page.keyboard.insert_text(f"键盘登记 {kind}")  # Chinese comes in through the input method
    page.keyboard.press("Tab")  # description
    page.keyboard.press("Tab")  # kind: the checked radio; the arrows choose
    assert focused(page) == "kind-complaint"
    for _ in range(Kind.values.index(kind)):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    assert focused(page) == "category-input"
    page.keyboard.type("sssb")  # 设施设备 by its pinyin initials
    page.keyboard.press("Enter")
    assert page.input_value("#category-input") == "设施设备"
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("#form-errors").count() == 0
    sr = ServiceRequest.objects.get(title=f"键盘登记 {kind}")
    assert sr.kind == kind and sr.category == world.category and sr.room == world.room
    assert sr.state == State.REGISTERED and page.locator("#registered").is_visible()


def test_the_category_type_ahead_takes_initials_and_full_pinyin(browser, live_server):
    world = World()
    install_default_keywords(world.company)
    page = signed_in(browser, live_server, "cs")
    page.goto(f"{live_server.url}/requests/new/")
    page.click("#category-input")
    page.keyboard.type("lsss")
    assert page.locator("#category-list li").all_inner_texts() == ["漏水渗水"]
    page.keyboard.press("Tab")  # Tab takes the highlighted one and moves on
    assert page.input_value("#category-input") == "漏水渗水"
    assert page.input_value("#id_category") == str(Category.objects.get(company=world.company, code="leak").pk)
    assert focused(page) == "sev-general"
    page.click("#category-input")
    page.keyboard.type("zaoyin")
    page.keyboard.press("Enter")
    assert page.input_value("#category-input") == "噪音扰民"


def suggested(page):
    page.locator("#suggestion").wait_for(state="visible")
    return page.locator("#suggestion-text").inner_text()


def test_the_suggestion_is_preselected_and_one_key_takes_it(browser, live_server):
    world = World()
    install_default_keywords(world.company)
    upstairs = make_room(world.project, "3", "2", "1602")
    leak = Category.objects.get(company=world.company, code="leak")
    eng = world.dept[DepartmentKind.ENGINEERING]
    page = signed_in(browser, live_server, "cs")
    open_intake_with_f2(page, live_server)
    pick_household(page)
    page.click("label[for=kind-praise]")  # set by hand before the words came: left alone
    page.click("#id_title")
    page.keyboard.insert_text(LEAK)
    assert suggested(page) == "报修 · 漏水渗水 · 工程部"
    # pre-selected where the clerk had not chosen: category, department, the flat upstairs
    assert page.input_value("#id_category") == str(leak.pk)
    assert page.input_value("#id_department") == str(eng.pk)
    assert page.input_value("#id_related_room") == str(upstairs.pk)
    assert page.locator("#kind-praise").is_checked()
    page.keyboard.press("Alt+KeyJ")  # one key takes it all
    assert page.locator("#kind-repair").is_checked()
    # the clerk may still change anything: severity by hand, then register
    page.click("label[for=sev-urgent]")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    sr = ServiceRequest.objects.get(title=LEAK)
    assert (sr.kind, sr.category, sr.severity, sr.related_room) == (Kind.REPAIR, leak, "urgent", upstairs)
    assert sr.state == State.REGISTERED


def test_ctrl_shift_enter_registers_and_dispatches_to_the_suggested_department(browser, live_server, shots):
    world = World()
    install_default_keywords(world.company)
    eng = world.dept[DepartmentKind.ENGINEERING]
    page = signed_in(browser, live_server, "cs")
    open_intake_with_f2(page, live_server)
    pick_household(page, "三栋二单元1502")
    page.keyboard.insert_text(LEAK)
    suggested(page)
    shots("suggested", page)
    with page.expect_navigation():
        page.keyboard.press("Control+Shift+Enter")
    sr = ServiceRequest.objects.get(title=LEAK)
    assert sr.state == State.DISPATCHED and sr.department == eng and sr.kind == Kind.REPAIR
    assert page.url.endswith(f"/requests/new/?registered={sr.pk}")
    assert f"已登记工单 {sr.number}，并已派给{eng.name}。" in page.content()
    shots("dispatched", page)
    # at once, even when the keys come before the pause that asks for the suggestion
    page.keyboard.type("3-2-1502")
    page.locator("#lookup-results [data-room]").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'id_title'")
    page.keyboard.insert_text("楼上噪音很大")
    with page.expect_navigation():
        page.keyboard.press("Control+Shift+Enter")
    noisy = ServiceRequest.objects.get(title="楼上噪音很大")
    assert noisy.state == State.DISPATCHED and noisy.department == world.dept[DepartmentKind.SECURITY]
