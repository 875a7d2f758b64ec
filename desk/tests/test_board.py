"""The supervisor's board (desk/board.py): who lands on it, who may open it, what it counts, and
that every number it shows opens a request list of exactly that many requests."""

import html as htmllib
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.choices import DepartmentKind, Role
from desk import board
from desk.choices import Kind, Rating, State
from desk.models import Escalation, ServiceRequest
from desk.services import request_accept, request_dispatch, request_resolve, request_visit
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 9, 10, 30)  # a Wednesday, 10:30 local


def local(dt: datetime) -> datetime:
    return timezone.make_aware(dt, timezone.get_current_timezone())


@pytest.fixture
def clock():
    with time_machine.travel(local(NOW), tick=False):
        yield


def at(sr, **fields):
    ServiceRequest.objects.filter(pk=sr.pk).update(**fields)


def desk_day(world):
    """A morning at the desk of 翠湖花园, and a little at 锦江公寓."""
    eng = world.dept[DepartmentKind.ENGINEERING]
    now = timezone.now()
    made = {}
    # work in hand: tech holds two (one overdue), tech2 one due within the hour, one waits in 工程部
    for name, person, due in (
        ("late", world.tech, now - timedelta(hours=2)),
        ("tech_ok", world.tech, now + timedelta(hours=5)),
        ("soon", world.tech2, now + timedelta(minutes=20)),
        ("pool", None, now - timedelta(minutes=1)),
    ):
        sr = world.register(kind=Kind.REPAIR, title=name)
        request_dispatch(actor=world.cs, request=sr, department=eng, assignee=person)
        at(sr, due_at=due)
        made[name] = sr
    # waiting for dispatch: one overdue
    made["waiting"] = world.register(title="waiting")
    at(made["waiting"], due_at=now - timedelta(minutes=30))
    made["fresh"] = world.register(title="fresh")
    # return visits: one due today (this evening), one due tomorrow
    for name, due in (("visit_today", now + timedelta(hours=8)), ("visit_tomorrow", now + timedelta(days=1))):
        sr = world.register(title=name)
        request_dispatch(actor=world.cs, request=sr, department=eng, assignee=world.tech)
        request_accept(actor=world.tech, request=sr)
        request_resolve(actor=world.tech, request=sr, result="done")
        at(sr, due_at=due)
        made[name] = sr
    # unsatisfied this week: visited C on Monday, reopened to the technician
    with time_machine.travel(local(NOW - timedelta(days=2)), tick=False):
        sr = world.register(title="unhappy")
        request_dispatch(actor=world.cs, request=sr, department=eng, assignee=world.tech2)
        request_accept(actor=world.tech2, request=sr)
        request_resolve(actor=world.tech2, request=sr, result="done")
        request_visit(actor=world.cs, request=sr, rating=Rating.UNSATISFIED, comment="还在漏")
    made["unhappy"] = sr
    # unsatisfied last week: not this week's
    with time_machine.travel(local(NOW - timedelta(days=8)), tick=False):
        sr = world.register(title="unhappy_before")
        request_dispatch(actor=world.cs, request=sr, department=eng, assignee=world.tech2)
        request_accept(actor=world.tech2, request=sr)
        request_resolve(actor=world.tech2, request=sr, result="done")
        request_visit(actor=world.cs, request=sr, rating=Rating.UNSATISFIED, comment="不行")
    # escalations fired today (and one yesterday)
    Escalation.objects.create(request=made["late"], step="resolve", level=2, fired_at=now - timedelta(hours=1))
    Escalation.objects.create(request=made["late"], step="resolve", level=1, fired_at=now - timedelta(hours=3))
    Escalation.objects.create(request=made["waiting"], step="dispatch", level=1, fired_at=now - timedelta(days=1))
    # intake: registered at 08:xx today, and last Wednesday at 08:xx and 15:xx
    for sr in ServiceRequest.objects.filter(created_at__gte=now - timedelta(minutes=5)):
        at(sr, created_at=local(NOW.replace(hour=8, minute=5)))
    for hour in (8, 15):
        sr = world.register(title=f"last week {hour}")
        at(sr, created_at=local(datetime(2026, 12, 2, hour, 10)), state=State.CLOSED, due_at=None)
    # the other project: counted on the company's board only
    other = world.register_other(title="other")
    at(other, due_at=now - timedelta(hours=1))
    made["other"] = other
    return made


def figures(html: str) -> dict[str, tuple[int, str]]:
    """data-figure -> (the number shown, the list it opens)."""
    found = {}
    for tag in re.findall(r"<a [^>]*data-figure=[^>]*>", html):
        name = re.search(r'data-figure="([^"]+)"', tag).group(1)
        n = int(re.search(r'data-n="(\d+)"', tag).group(1))
        url = htmllib.unescape(re.search(r'href="([^"]+)"', tag).group(1))
        found[name] = (n, url)
    return found


def listed(client, url: str) -> int:
    """How many requests the request list shows for `url`, over all its pages."""
    count = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        count += len(re.findall(r'<td><a href="/requests/\d+/">', page))
        following = re.search(r'href="(\?[^"]*after=[^"]+)"', page)
        url = reverse("desk:list") + htmllib.unescape(following.group(1)) if following else None
    return count


def test_every_number_on_a_projects_board_opens_a_list_of_that_many(client, world, clock):
    desk_day(world)
    client.force_login(world.supervisor)
    page = client.get(reverse("desk:board")).content.decode()
    shown = figures(page)
    assert len(shown) > 30
    for name, (n, url) in shown.items():
        assert listed(client, url) == n, (name, n, url)


def test_the_projects_board_counts_what_it_says(client, world, clock):
    made = desk_day(world)
    scope = board.scope_for(world.supervisor, None)
    assert scope.project == world.project  # one project: no picker
    b = board.board(scope)
    f = {name: fig.n for name, fig in b.figures.items()}
    assert f["overdue"] == 3  # late, pool, waiting (not the other project's)
    assert f["soon"] == 1
    assert (f["registered"], f["registered_late"]) == (2, 1)
    # late, tech_ok, soon, pool, and the two reopened by an unsatisfied visit
    assert (f["work"], f["work_late"]) == (6, 2)
    assert f["visits"] == 1
    assert f["unsatisfied"] == 1
    assert f["escalated"] == 1 and [fig.n for _l, _label, fig in b.escalations] == [1, 1, 0, 0]
    assert (f["intake_today"], f["intake_before"], f["intake_before_so_far"]) == (8, 2, 1)
    assert b.intake[8]["today"].n == 8 and b.intake[15]["before"].n == 1 and b.intake[15]["future"]
    assert [sr.title for sr in b.overdue_rows] == ["late", "waiting", "pool"]
    assert [sr.title for sr in b.soon_rows] == ["soon"]
    rows = {r.key: (r.work.n, r.overdue.n) for r in b.rows}
    eng = world.dept[DepartmentKind.ENGINEERING].pk
    assert rows[f"department-{eng}"] == (6, 2)
    assert rows[f"pool-{eng}"] == (1, 1)
    assert rows[f"person-{eng}-{world.tech.pk}"] == (2, 1)
    assert rows[f"person-{eng}-{world.tech2.pk}"] == (3, 0)
    assert rows[f"person-{eng}-{world.lead.pk}"] == (0, 0)  # free people show too
    assert made["other"].pk not in {sr.pk for sr in b.overdue_rows}


def test_the_company_board_has_a_picker_and_counts_each_project(client, world, clock):
    desk_day(world)
    admin = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    client.force_login(admin)
    page = client.get(reverse("desk:board")).content.decode()
    assert 'id="board-scope"' in page and "锦江公寓" in page
    shown = figures(page)
    assert shown["overdue"][0] == 4
    assert f"project-{world.other_project.pk}-work" in shown
    for name, (n, url) in shown.items():
        assert listed(client, url) == n, (name, n, url)
    # picking a project narrows it
    page = client.get(reverse("desk:board"), {"project": world.other_project.pk}).content.decode()
    assert figures(page)["overdue"][0] == 1


def test_the_fragment_polls_the_same_figures(client, world, clock):
    desk_day(world)
    client.force_login(world.manager)
    page = client.get(reverse("desk:board")).content.decode()
    assert f'hx-get="{reverse("desk:board-figures")}?project={world.project.pk}"' in page
    assert 'hx-trigger="every 45s"' in page
    fragment = client.get(reverse("desk:board-figures"), {"project": world.project.pk}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<nav" not in html and figures(html)["overdue"][0] == 3


def test_supervisors_land_on_the_board_and_the_desk_on_its_workbench(client, world):
    for person in (world.supervisor, world.manager, world.pm):
        client.force_login(person)
        response = client.get(reverse("desk:home"))
        assert response.status_code == 302 and response["Location"] == reverse("desk:board"), person
        assert client.get(reverse("desk:workbench")).status_code == 200  # one click away
    client.force_login(world.cs)
    assert client.get(reverse("desk:home")).status_code == 200


def test_who_may_not_open_the_board(client, world):
    for person in (world.cs, world.tech, world.lead, world.finance, world.resident_user):
        client.force_login(person)
        assert client.get(reverse("desk:board")).status_code == 403, person
        assert client.get(reverse("desk:board-figures")).status_code == 403, person
    client.force_login(world.supervisor)
    assert client.get(reverse("desk:board"), {"project": world.other_project.pk}).status_code == 404
    assert client.get(reverse("desk:board"), {"project": "x"}).status_code == 404


def test_the_board_reads_a_fixed_number_of_queries(world, clock, django_assert_max_num_queries):
    desk_day(world)
    scope = board.scope_for(world.supervisor, None)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        board.board(scope)
    for i in range(5):  # more requests, more people: the same queries
        make_user(f"t{i}", Role.WORKER, [world.project], world.dept[DepartmentKind.ENGINEERING], world.company)
        sr = world.register(title=f"more {i}")
        request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    with CaptureQueriesContext(connection) as large:
        board.board(scope)
    assert len(large.captured_queries) == len(small.captured_queries) <= 12  # (PostgreSQL: 2 set jit off and back)


def test_the_list_says_which_board_filter_it_shows(client, world, clock):
    desk_day(world)
    client.force_login(world.supervisor)
    html = client.get(reverse("desk:list"), {"unsatisfied": "week"}).content.decode()
    assert 'id="board-filters"' in html and "本周回访不满意、尚未解决" in html
    assert '<input type="hidden" name="unsatisfied" value="week">' in html


def test_a_manager_without_projects_sees_an_empty_board(client, world, clock):
    lonely = make_user("lonely", Role.CS_MANAGER, company=world.company)
    client.force_login(lonely)
    page = client.get(reverse("desk:board")).content.decode()
    assert figures(page)["overdue"][0] == 0


def test_a_satisfied_visit_after_an_unsatisfied_one_leaves_the_unsatisfied_figure(client, world, clock):
    """The figure follows the last visit: redone and then rated satisfied, the request is no longer
    counted (or listed) as unsatisfied this week."""
    made = desk_day(world)
    sr = ServiceRequest.objects.get(pk=made["unhappy"].pk)
    assert sr.unsatisfied_at is not None
    scope = board.scope_for(world.supervisor, None)
    assert board.board(scope).figures["unsatisfied"].n == 1
    request_accept(actor=world.tech2, request=sr)
    request_resolve(actor=world.tech2, request=sr, result="换了密封圈")
    request_visit(actor=world.cs, request=sr, rating=Rating.SATISFIED)
    sr.refresh_from_db()
    assert sr.unsatisfied_at is None and sr.state in (State.VISITED, State.CLOSED)
    figure = board.board(scope).figures["unsatisfied"]
    assert figure.n == 0
    client.force_login(world.supervisor)
    assert listed(client, figure.url) == 0
