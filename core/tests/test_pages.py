"""core/pages.py: one way to run a service from a page: where a refusal lands (form or message), what
success flashes, where a button goes back to."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError

from core.errors import ActionRefused, Conflict
from core.pages import act, run_service


class _Form(forms.Form):  # no ServiceErrorsMixin: run_service puts the errors on any form
    title = forms.CharField()


def _request(rf, data=None):
    request = rf.post("/somewhere/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _flashed(request) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def _raise(exc):
    def call():
        raise exc

    return call


def _bound_form():
    form = _Form({"title": "x"})
    assert form.is_valid()
    return form


def test_success_flashes_the_text_and_keeps_the_result(rf):
    request = _request(rf)
    done = run_service(request, lambda: 42, success="已保存。")
    assert done and done.ok and done.result == 42 and done.error is None and not done.refused
    assert _flashed(request) == [("success", "已保存。")]


def test_success_text_may_be_made_from_the_result(rf):
    request = _request(rf)
    run_service(request, lambda: "TS-1", success=lambda number: f"已登记 {number}。")
    assert _flashed(request) == [("success", "已登记 TS-1。")]


def test_no_success_text_flashes_nothing(rf):
    request = _request(rf)
    assert run_service(request, lambda: None)
    assert _flashed(request) == []


def test_field_errors_land_on_the_form_and_nothing_is_flashed(rf):
    request = _request(rf)
    form = _bound_form()
    exc = ValidationError({"title": "标题太长", "room": "房屋不存在"})
    done = run_service(request, _raise(exc), form=form, success="已保存。")
    assert not done and done.error is exc and not done.refused
    assert form.errors["title"] == ["标题太长"] and list(form.non_field_errors()) == ["房屋不存在"]
    assert _flashed(request) == []


@pytest.mark.parametrize("error", [ActionRefused("这个状态不能取消。"), Conflict("工单刚被其他人修改过。")])
def test_a_refusal_is_the_forms_non_field_error(rf, error):
    request = _request(rf)
    form = _bound_form()
    done = run_service(request, _raise(error), form=form, success="已保存。")
    assert not done and done.refused and done.error is error
    assert list(form.non_field_errors()) == [error.message] and "title" not in form.errors
    assert _flashed(request) == []


def test_a_refusal_may_also_be_flashed(rf):
    request = _request(rf)
    form = _bound_form()
    done = run_service(request, _raise(ActionRefused("不能修改。")), form=form, flash_refusal=True)
    assert done.refused
    assert list(form.non_field_errors()) == ["不能修改。"]
    assert _flashed(request) == [("error", "不能修改。")]


def test_without_a_form_field_errors_are_flashed_as_one_message(rf):
    request = _request(rf)
    done = run_service(request, _raise(ValidationError({"code": ["取件码不对。"], "room": ["房屋不存在。"]})))
    assert not done and not done.refused
    assert _flashed(request) == [("error", "取件码不对。 房屋不存在。")]


def test_without_a_form_a_refusal_is_flashed(rf):
    request = _request(rf)
    done = run_service(request, _raise(ActionRefused("已经交付。")), success="已交付。")
    assert done.refused
    assert _flashed(request) == [("error", "已经交付。")]


def test_other_errors_are_not_swallowed(rf):
    with pytest.raises(ZeroDivisionError):
        run_service(_request(rf), lambda: 1 / 0)


def test_a_button_goes_back_to_next_on_this_site_whatever_the_outcome(rf):
    request = _request(rf, {"next": "/requests/?open=true"})
    response = act(request, _raise(ActionRefused("不行。")), success="好了。", to="/default/")
    assert response.status_code == 302 and response["Location"] == "/requests/?open=true"
    assert _flashed(request) == [("error", "不行。")]

    request = _request(rf)
    response = act(request, lambda: None, success="好了。", to="/default/")
    assert response["Location"] == "/default/"
    assert _flashed(request) == [("success", "好了。")]


@pytest.mark.parametrize("target", ["//evil.com/x", "https://evil.com/", "/\\evil.com"])
def test_a_button_never_goes_off_the_site(rf, target):
    response = act(_request(rf, {"next": target}), lambda: None, to="/default/")
    assert response["Location"] == "/default/"
