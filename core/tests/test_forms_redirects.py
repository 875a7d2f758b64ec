"""The helpers every page shares: where a POST may send the user back to, and how a service's
errors land on a form."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.forms import ServiceErrorsMixin
from desk.models import ServiceRequest
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "target",
    ["//evil.com/x", "/\\evil.com", "/\\/evil.com", "https://evil.com/", "javascript:alert(1)", "\\\\evil.com"],
)
def test_a_next_off_the_site_is_refused(client, world, target):
    client.login(username=world.cs.username, password=PASSWORD)
    response = client.post(reverse("inbox-read"), {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("inbox")


def test_a_next_on_the_site_is_followed(client, world):
    client.login(username=world.cs.username, password=PASSWORD)
    response = client.post(reverse("inbox-read"), {"next": "/requests/?state=10"})
    assert response["Location"] == "/requests/?state=10"


@pytest.mark.parametrize("target", ["/\\evil.com", "//evil.com"])
def test_the_request_page_refuses_a_next_off_the_site(client, world, target):
    sr = world.register()
    client.login(username=world.cs.username, password=PASSWORD)
    response = client.post(
        reverse("desk:act", args=[sr.pk, "cancel"]), {"version": sr.version, "note": "重复登记", "next": target}
    )
    assert response.status_code == 302 and response["Location"] == reverse("desk:detail", args=[sr.pk])


class _Form(ServiceErrorsMixin, forms.Form):
    title = forms.CharField()


@pytest.mark.parametrize(
    "exc, field_errors, other_errors",
    [
        (ValidationError("没有字典的错误"), {}, ["没有字典的错误"]),
        (ValidationError(["一", "二"]), {}, ["一", "二"]),
        (ValidationError({"title": "标题太长", "room": "房屋不存在"}), {"title": ["标题太长"]}, ["房屋不存在"]),
    ],
)
def test_service_errors_land_on_the_form_whatever_their_shape(exc, field_errors, other_errors):
    form = _Form({"title": "x"})
    assert form.is_valid()
    form.add_service_errors(exc)
    assert {k: v for k, v in form.errors.items() if k != "__all__"} == field_errors
    assert list(form.non_field_errors()) == other_errors


def test_a_plain_validation_error_from_an_action_is_shown_not_a_crash(client, world, monkeypatch):
    import desk.services

    sr = world.register()

    def refuse(**kwargs):
        raise ValidationError("附件已满，无法再上传。")

    monkeypatch.setitem(desk.services.ACTION_SERVICES, "cancel", (refuse, desk.services.ACTION_SERVICES["cancel"][1]))
    client.login(username=world.cs.username, password=PASSWORD)
    response = client.post(reverse("desk:act", args=[sr.pk, "cancel"]), {"version": sr.version, "note": "重复"})
    assert response.status_code == 400
    assert "附件已满，无法再上传。" in response.content.decode()
    assert ServiceRequest.objects.get().state == sr.state
