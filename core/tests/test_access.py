"""The one access guard: signs in first, then asks the named question, refusing with the message; the
API's permission class asks the same question."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from core.access import Requires, requires
from core.questions import ask

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


# ---------------------------------------------------------------- the same question for the API


class _FrontApi(APIView):
    permission_classes = [Requires("frontdesk.front", "front only")]

    def get(self, request):
        return Response({"ok": True})


def _api_get(user):
    request = APIRequestFactory().get("/api/x/")
    if user is not None:
        force_authenticate(request, user)
    return _FrontApi.as_view()(request)


def test_the_api_asks_the_same_question_and_refuses_with_the_message(world):
    assert _api_get(world.guard).status_code == 200
    refused = _api_get(world.tech)
    assert refused.status_code == 403
    assert refused.data == {"detail": "front only", "code": "permission_denied"}


def test_the_api_refuses_an_anonymous_caller_as_not_signed_in(world):
    response = _api_get(None)
    assert response.status_code in (401, 403) and response.data["code"] == "not_authenticated"


def test_the_page_guard_and_the_api_permission_agree_for_the_whole_cast(world):
    for name in ["cs", "supervisor", "manager", "pm", "lead", "tech", "guard", "finance", "resident_user"]:
        user = getattr(world, name)
        assert (_api_get(user).status_code == 200) == ask("frontdesk.front", user), name


def test_a_guard_asked_inside_an_action_refuses_with_the_same_answer(world):
    """`Requires.check` (a right asked once the record is found) answers exactly as the permission
    class does: 403, the message, code "permission_denied"."""
    from core.api import exception_handler

    guard = Requires("frontdesk.front", "front only")
    guard.check(world.guard)  # allowed: nothing raised
    with pytest.raises(PermissionDenied) as refused:
        guard.check(world.tech)
    response = exception_handler(refused.value, {})
    assert response.status_code == 403
    assert response.data == {"detail": "front only", "code": "permission_denied"}


def test_a_record_not_found_answers_not_found():
    from django.http import Http404

    from core.api import exception_handler

    response = exception_handler(Http404("No Request matches the given query."), {})
    assert response.status_code == 404 and response.data["code"] == "not_found"


def test_a_nested_error_has_a_readable_detail():
    """A list's own error ({"counts": {"non_field_errors": [...]}}) and an item's error
    ({"results": [{}, {"note": [...]}]}) give their message as `detail`, not a dict's text."""
    from rest_framework.exceptions import ValidationError

    from core.api import exception_handler

    response = exception_handler(ValidationError({"counts": {"non_field_errors": ["最多 100 项。"]}}), {})
    assert response.status_code == 400 and response.data["detail"] == "最多 100 项。"
    response = exception_handler(ValidationError({"results": [{}, {"note": ["请填写说明。"]}]}), {})
    assert response.data["detail"] == "请填写说明。"
    assert response.data["errors"] == {"results": [{}, {"note": ["请填写说明。"]}]}
