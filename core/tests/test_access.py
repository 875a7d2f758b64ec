"""The one access guard: signs in first, then asks the named question, refusing with the message."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from core.access import requires

pytestmark = pytest.mark.django_db


@requires("frontdesk.front", "front only")
def view(request):
    return HttpResponse("ok")


def _get(user):
    request = RequestFactory().get("/x/")
    request.user = user
    return view(request)


def test_anonymous_is_sent_to_sign_in(world):
    response = _get(AnonymousUser())
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_yes_runs_the_view_and_a_no_is_refused_with_the_message(world):
    assert _get(world.guard).content == b"ok"
    with pytest.raises(PermissionDenied, match="front only"):
        _get(world.tech)


def test_an_unknown_question_is_an_error_not_a_silent_refusal(world):
    @requires("frontdesk.nothing", "x")
    def other(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/x/")
    request.user = world.guard
    with pytest.raises(ImproperlyConfigured):
        other(request)
