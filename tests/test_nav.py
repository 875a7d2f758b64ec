"""The navbar offers exactly the pages a user may open: for each role of the cast, every link in
the menus answers 200, and every menu page it leaves out does not (403, or a redirect to the
user's own page). The menus ask the same rules as the views (`core.questions`)."""

import re

import pytest
from django.urls import reverse

from core.choices import DepartmentKind, Role
from desk.services import request_cancel
from tests.factories import PASSWORD, make_user

CAST = ["cs", "supervisor", "manager", "pm", "lead", "tech", "guard", "finance", "resident_user"]
# Every role of core.choices.Role: the World's cast, and two it does not have.
ROLES = [*CAST, "lobby", "admin"]

_NAV = re.compile(r'<div class="collapse navbar-collapse" id="nav">(.*?)</nav>', re.S)
_HREF = re.compile(r'<a [^>]*href="([^"#][^"]*)"')
_SEARCH = re.compile(r'<form action="([^"]+)" method="get"[^>]*role="search"')


def nav_links(client) -> set[str]:
    html = client.get(reverse("desk:list")).content.decode()
    nav = _NAV.search(html).group(1)
    return {h.replace("&amp;", "&") for h in _HREF.findall(nav)} | set(_SEARCH.findall(nav))


@pytest.fixture
def menus(world, client):
    """Each user's links, and every page any of them (or a superuser) is offered."""
    root = make_user("root", "cs_staff", [world.project, world.other_project], is_superuser=True, is_staff=True)
    lobby = make_user("lobby", Role.LOBBY, [world.project], world.dept[DepartmentKind.CUSTOMER_SERVICE], world.company)
    admin = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    users = {name: getattr(world, name) for name in CAST} | {"root": root, "lobby": lobby, "admin": admin}
    links = {}
    for name, user in users.items():
        client.force_login(user)
        links[name] = nav_links(client)
    client.logout()
    return users, links, set().union(*links.values())


@pytest.mark.parametrize("name", [*ROLES, "root"])
def test_the_navbar_offers_exactly_the_pages_that_open(client, menus, name):
    users, links, every_page = menus
    assert client.login(username=users[name].username, password=PASSWORD)
    # An offered link may redirect to the user's own page of it (the duty board of their project).
    landed = {url: client.get(url, follow=True).status_code for url in links[name]}
    refused = {url: status for url, status in landed.items() if status != 200}
    assert not refused, f"offered but refused: {refused}"
    # A page not offered must not open: 403, or a redirect to somewhere else (a worker's 'desk').
    opens = {url for url in every_page - links[name] if client.get(url).status_code == 200}
    assert not opens, f"allowed but not offered: {sorted(opens)}"


_LINK = re.compile(r'<a [^>]*href="(/[^"#]*)"')


@pytest.mark.parametrize("name", ROLES)
def test_the_landing_page_offers_only_what_opens(client, menus, name):
    """Beyond the menus: every link on the page a role lands on (board, workbench, jobs, list) opens."""
    users, _links, _every_page = menus
    client.force_login(users[name])
    landing = client.get("/", follow=True)
    assert landing.status_code == 200
    html = landing.content.decode()
    main = html[html.index("<main") :]
    offered = {href.replace("&amp;", "&") for href in _LINK.findall(main)}
    refused = {url: code for url in offered if (code := client.get(url, follow=True).status_code) != 200}
    assert not refused, f"offered on the landing page but refused: {refused}"


@pytest.mark.parametrize("name", ROLES)
def test_each_roles_refused_page_is_a_page_of_the_product_with_the_reason(client, world, menus, name):
    """A 403 shows the navbar the role has everywhere else, in their language, and why."""
    users, links, every_page = menus
    user = users[name]
    client.force_login(user)
    refused = next((url for url in sorted(every_page - links[name]) if client.get(url).status_code == 403), None)
    if refused is None:  # a role every menu page opens for: an action the request's state refuses
        sr = world.register()
        request_cancel(actor=world.cs, request=sr, note="重复登记")
        refused = reverse("desk:assignees", args=[sr.pk]) + "?action=dispatch"
    response = client.get(refused)
    assert response.status_code == 403, refused
    html = response.content.decode()
    assert 'id="error-page"' in html and '<html lang="zh-hans">' in html
    nav = _NAV.search(html).group(1)
    assert {h.replace("&amp;", "&") for h in _HREF.findall(nav)} | set(_SEARCH.findall(nav)) == links[name]
    reason = str(response.context["reason"])
    assert reason and f'id="error-reason">{reason}<' in html, refused


def test_every_page_is_on_some_menu(menus):
    """The comparison above covers the whole menu: the superuser's navbar has all of it."""
    _, links, every_page = menus
    for url in ["/admin/", reverse("importer:index"), reverse("desk:jobs"), reverse("safety:missed")]:
        assert url in every_page, url


def test_a_mistyped_question_raises(world):
    from django.core.exceptions import ImproperlyConfigured
    from django.template import Context, Template

    template = Template('{% load propdesk %}{% if user|may:"importer.imprt" %}x{% endif %}')
    with pytest.raises(ImproperlyConfigured):
        template.render(Context({"user": world.supervisor}))


def test_every_question_and_state_name_in_the_templates_exists():
    """`{% if a or b|may:"typo" %}` would be False instead of an error (Django's `if` swallows
    exceptions in and/or/not): so every name the templates use is checked here."""
    import pathlib

    from django.apps import apps
    from django.db.models import IntegerChoices

    from core.questions import _QUESTIONS

    members = set()
    for config in apps.get_app_configs():
        for model in config.get_models():
            for obj in vars(__import__(model.__module__, fromlist=["_"])).values():
                if isinstance(obj, type) and issubclass(obj, IntegerChoices):
                    members |= set(obj.names)
    text = "".join(p.read_text() for p in pathlib.Path("templates").rglob("*.html"))
    questions = set(re.findall(r'\|may:"([^"]+)"', text))
    states = {n for names in re.findall(r'\|state_(?:is|in):"([^"]+)"', text) for n in names.split(",")}
    assert questions and states
    assert questions <= set(_QUESTIONS), questions - set(_QUESTIONS)
    assert states <= members, states - members


def test_no_template_writes_a_state_number_into_a_link():
    """`?state=10` in a template breaks silently when the codes move: the view builds the link from
    the app's choices (desk.views.home, registrations.views.index)."""
    import pathlib

    raw = {
        str(path): found
        for path in pathlib.Path("templates").rglob("*.html")
        if (found := re.findall(r"\bstate=\d+", path.read_text()))
    }
    assert not raw, raw
