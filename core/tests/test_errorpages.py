"""Refused pages are pages of the product: navigation, the user's language, the reason
(core/errorpages.py). The 403 page of every role is in tests/test_nav.py."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from core import errorpages
from core.models import User

pytestmark = pytest.mark.django_db


def test_a_404_shows_the_reason_and_the_navigation(client, world):
    client.force_login(world.cs)
    sr = world.register_other()  # another project's request: not found for this clerk
    response = client.get(reverse("desk:detail", args=[sr.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="nav"' in html and 'id="error-reason"' in html
    assert "没有找到这张工单。" in html


def test_a_404_of_an_unknown_address_shows_no_internals(client, world):
    client.force_login(world.cs)
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and 'id="nav"' in html
    assert "error-reason" not in html and "tried" not in html


def test_a_403_in_english_for_an_english_reader(client, world):
    User.objects.filter(pk=world.tech.pk).update(language="en")
    client.force_login(world.tech)
    response = client.get(reverse("desk:intake"))
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="en">' in html and "Not allowed" in html
    assert "Only service desk staff can register requests." in html


def test_a_400_page(world):
    request = RequestFactory().get("/")
    request.user = world.cs
    response = errorpages.bad_request(request, Exception("Invalid HTTP_HOST header: 'x'"))
    html = response.content.decode()
    assert response.status_code == 400 and "HTTP_HOST" not in html and 'id="nav"' in html


def test_the_500_page_needs_no_database(world, django_assert_num_queries):
    request = RequestFactory().get("/requests/")
    with django_assert_num_queries(0):
        response = errorpages.server_error(request)
    assert response.status_code == 500 and "出错了" in response.content.decode()
    assert connection.vendor  # (the page was drawn without touching it)


def test_get_object_or_404_messages_stay_hidden():
    from django.http import Http404

    assert errorpages.reason_of(Http404("No Room matches the given query.")) == ""
    assert errorpages.reason_of(Http404("没有找到这个项目。")) == "没有找到这个项目。"
    assert errorpages.reason_of(Http404({"path": "x"})) == ""
