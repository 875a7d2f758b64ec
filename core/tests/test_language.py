"""The interface language: the user's own choice, then the company's default, then the browser
(core/language.py); set on the preferences page and with the navbar's switch."""

import pytest
from django.urls import reverse

from core.models import AuditEntry, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ENGLISH = '<html lang="en">'
CHINESE = '<html lang="zh-hans">'


def page(client, **headers) -> str:
    return client.get(reverse("desk:list"), **headers).content.decode()


def test_a_user_without_a_choice_reads_the_companys_default_not_the_browsers(client, world):
    client.force_login(world.cs)
    assert CHINESE in page(client, HTTP_ACCEPT_LANGUAGE="en")


def test_the_companys_default_is_used_when_it_is_english(client, world):
    world.company.language = "en"
    world.company.save()
    from core.language import forget_company_language

    forget_company_language(world.company.pk)
    client.force_login(world.cs)
    assert ENGLISH in page(client, HTTP_ACCEPT_LANGUAGE="zh-CN")


def test_the_users_own_choice_comes_before_the_companys_and_the_browsers(client, world):
    User.objects.filter(pk=world.cs.pk).update(language="en")
    client.force_login(world.cs)
    assert ENGLISH in page(client, HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.cookies["django_language"] = "zh-hans"  # an old cookie does not override the account
    assert ENGLISH in page(client)


def test_without_a_company_the_browser_decides(client, world):
    loner = make_user("loner", "cs_staff", [world.project])
    client.force_login(loner)
    assert ENGLISH in page(client, HTTP_ACCEPT_LANGUAGE="en")
    assert CHINESE in page(client, HTTP_ACCEPT_LANGUAGE="zh-CN")


def test_the_sign_in_page_follows_the_browser(client, world):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ENGLISH in html


def test_the_navbar_switch_keeps_the_choice_on_the_account(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("desk:list")})
    assert response.status_code == 302
    world.cs.refresh_from_db()
    assert world.cs.language == "en"
    # A new browser (no cookie) signed in as the same person reads English.
    client.logout()
    client.cookies.clear()
    client.force_login(world.cs)
    assert ENGLISH in page(client)
    assert AuditEntry.objects.filter(object_id=str(world.cs.pk), action="preferences").exists()


def test_the_preferences_page_sets_and_clears_the_choice(client, world):
    client.force_login(world.cs)
    html = client.get(reverse("preferences")).content.decode()
    assert "跟随公司默认（简体中文）" in html and 'id="nav-user"' in html
    response = client.post(reverse("preferences"), {"language": "en"})
    assert response.status_code == 302
    assert ENGLISH in page(client)
    client.post(reverse("preferences"), {"language": ""})
    world.cs.refresh_from_db()
    assert world.cs.language == ""
    assert CHINESE in page(client, HTTP_ACCEPT_LANGUAGE="en")


def test_an_unknown_language_is_refused_and_nothing_changes(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("preferences"), {"language": "fr"})
    assert response.status_code == 400
    world.cs.refresh_from_db()
    assert world.cs.language == ""


def test_the_preferences_page_needs_a_sign_in(client, world):
    response = client.get(reverse("preferences"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
