"""The incident page's search for requests to link: an old one is found by number, Chinese term or
room code; nothing the user could not link is offered; the fragment is refused as the page is."""

import pytest
from django.urls import reverse

from desk.choices import Kind, State
from desk.models import ServiceRequest
from safety import services
from safety.choices import IncidentState
from safety.selectors import LINK_ROWS


@pytest.fixture
def old_and_new(world):
    """An old leak complaint from 3-2-1501, then more newer requests than the list shows."""
    old = world.register(
        title="5栋地下室漏水",
        description="水漫到车库",
        room_id=world.room2.pk,
        resident_id=world.neighbour.pk,
    )
    newer = [
        world.register(kind=Kind.REPAIR, title=f"门禁卡失灵{i}", description="无法刷卡") for i in range(LINK_ROWS + 1)
    ]
    incident = services.incident_start(
        actor=world.cs, project=world.project, kind="flood", title="5栋水管爆裂", place="5栋地下室"
    )
    return old, newer, incident


def search(client, incident, q="", **params):
    response = client.get(reverse("safety:incident_linkable", args=[incident.pk]), {"q": q, **params})
    assert response.status_code == 200
    link = response.context["link"]
    return response, [r.pk for r in link["kept"]], [r.pk for r in link["found"]], link["more"]


def test_without_a_term_the_newest_are_offered_and_more_is_said(client, world, old_and_new):
    old, newer, incident = old_and_new
    client.force_login(world.supervisor)
    page = client.get(reverse("safety:incident", args=[incident.pk]))
    link = page.context["link"]
    assert [r.pk for r in link["found"]] == [r.pk for r in reversed(newer)][:LINK_ROWS]
    assert link["more"] and old.pk not in [r.pk for r in link["found"]]
    html = page.content.decode()
    assert 'id="link-q"' in html and reverse("safety:incident_linkable", args=[incident.pk]) in html
    assert f"只显示最新的 {LINK_ROWS} 张" in html
    response, _kept, found, more = search(client, incident)
    assert found == [r.pk for r in reversed(newer)][:LINK_ROWS] and more


def test_an_old_request_is_found_by_number_chinese_term_and_room_code(client, world, old_and_new):
    old, _newer, incident = old_and_new
    client.force_login(world.supervisor)
    for q in (old.number, old.number.lower()[:-1], "漏水", "地下室漏水", "1501", " 3-2-1501 "):
        response, _kept, found, more = search(client, incident, q)
        assert found == [old.pk] and not more, q
    html = response.content.decode()
    assert f'name="requests" value="{old.pk}"' in html and "3-2-1501" in html
    _r, _kept, found, _more = search(client, incident, "门禁")
    assert len(found) == LINK_ROWS and old.pk not in found
    response, _kept, found, _more = search(client, incident, "没有这种事")
    assert found == [] and "没有找到可关联的工单。" in response.content.decode()


def test_nothing_the_user_may_not_link_is_offered(client, world, old_and_new):
    old, newer, incident = old_and_new
    other = world.register_other(title="地下室漏水")
    closed = world.register(title="车库漏水", room_id=world.room2.pk, resident_id=world.neighbour.pk)
    ServiceRequest.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    linked = world.register(title="楼道漏水", room_id=world.room2.pk, resident_id=world.neighbour.pk)
    services.incident_link(actor=world.cs, incident=incident, requests=[linked])
    client.force_login(world.cs)
    for q in ("漏水", "1501", other.number, closed.number, linked.number):
        _r, _kept, found, _more = search(client, incident, q)
        assert set(found) <= {old.pk}, q
    # ids sent back as "ticked" are kept only when still linkable
    _r, kept, found, _more = search(client, incident, "漏水", requests=[other.pk, closed.pk, linked.pk, "x", "²"])
    assert kept == [] and found == [old.pk]
    # the other project's desk sees none of this project's requests, nor its incident
    client.force_login(world.outsider)
    assert client.get(reverse("safety:incident_linkable", args=[incident.pk]), {"q": "漏水"}).status_code == 404


def test_ticked_requests_stay_ticked_across_searches_and_link(client, world, old_and_new):
    old, newer, incident = old_and_new
    client.force_login(world.supervisor)
    response, kept, found, _more = search(client, incident, "漏水", requests=[newer[0].pk])
    assert kept == [newer[0].pk] and found == [old.pk]
    html = response.content.decode()
    assert f'value="{newer[0].pk}" id="lr-{newer[0].pk}" checked' in html
    assert f'value="{old.pk}" id="lr-{old.pk}">' in html
    response = client.post(
        reverse("safety:incident_act", args=[incident.pk, "link"]), {"requests": [old.pk, newer[0].pk]}
    )
    assert response.status_code == 302
    assert set(incident.links.values_list("request_id", flat=True)) == {old.pk, newer[0].pk}
    _r, _kept, found, _more = search(client, incident, "漏水")
    assert found == []
    page = client.get(reverse("safety:incident", args=[incident.pk])).content.decode()
    assert old.number in page  # now among the linked requests
    # the link action still checks: another project's request is refused
    other = world.register_other()
    client.post(reverse("safety:incident_act", args=[incident.pk, "link"]), {"requests": [other.pk]})
    assert incident.links.count() == 2


def test_the_page_searches_without_javascript_too(client, world, old_and_new):
    old, _newer, incident = old_and_new
    client.force_login(world.cs)
    page = client.get(reverse("safety:incident", args=[incident.pk]), {"q": "漏水"})
    assert [r.pk for r in page.context["link"]["found"]] == [old.pk]
    assert 'value="漏水"' in page.content.decode()


@pytest.mark.parametrize(
    "who,status",
    [("cs", 200), ("supervisor", 200), ("tech", 403), ("guard", 404), ("outsider", 404), ("resident_user", 403)],
)
def test_the_search_is_refused_as_the_page_is(client, world, old_and_new, who, status):
    """tech is on the call list: he opens the page but does not link, so he may not search."""
    _old, _newer, incident = old_and_new
    incident.calls.create(user=world.tech, order=9)
    client.force_login(getattr(world, who))
    response = client.get(reverse("safety:incident_linkable", args=[incident.pk]), {"q": "漏水"})
    assert response.status_code == status
    if status != 200:
        assert "漏水" not in response.content.decode()


def test_anonymous_is_sent_to_log_in(client, old_and_new):
    _old, _newer, incident = old_and_new
    response = client.get(reverse("safety:incident_linkable", args=[incident.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_once_resolved_nothing_is_offered(client, world, old_and_new):
    _old, _newer, incident = old_and_new
    services.incident_resolve(actor=world.cs, incident=incident, text="已修复")
    assert incident.state == IncidentState.RESOLVED
    client.force_login(world.cs)
    response = client.get(reverse("safety:incident_linkable", args=[incident.pk]), {"q": "漏水"})
    assert response.status_code == 200 and response.context["link"] is None
    assert "只有处置中的事件可以关联工单。" in response.content.decode()
    assert 'id="link-q"' not in client.get(reverse("safety:incident", args=[incident.pk])).content.decode()


def test_the_search_has_bounded_queries(client, world, old_and_new, django_assert_max_num_queries):
    _old, newer, incident = old_and_new
    client.force_login(world.cs)
    with django_assert_max_num_queries(8):
        search(client, incident, "漏水", requests=[r.pk for r in newer[:5]])


def test_a_digit_that_is_not_a_number_is_ignored_not_a_server_error(client, world, old_and_new):
    """'²' is a digit to isdigit() but int('²') fails: ids typed into requests are read with
    core.ids.parse_id, as everywhere a request value becomes an id."""
    old, _newer, incident = old_and_new
    client.force_login(world.supervisor)
    response = client.post(reverse("safety:incident_act", args=[incident.pk, "link"]), {"requests": ["²", str(old.pk)]})
    assert response.status_code in (200, 302)
    assert incident.links.filter(request=old).exists()
