"""core.notify.send_sms: SMS to a bare phone number (sign-in codes), recorded by the development
backend, sent through the outbox with retries like any delivery."""

import logging

import pytest

from core import notify
from core.models import Delivery

pytestmark = pytest.mark.django_db


def test_send_sms_writes_an_outbox_row_and_the_development_backend_records_it(
    django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO, logger="propdesk.notify")
    with django_capture_on_commit_callbacks(execute=True):
        row = notify.send_sms(
            "138 0013 8000", "验证码 482913，5 分钟内有效。", template="SMS_1", params={"code": "482913"}
        )
    row.refresh_from_db()
    assert (row.channel, row.recipient, row.status, row.attempts) == ("sms", "13800138000", "sent", 1)
    assert row.payload["params"] == {"code": "482913"}
    assert notify.last_sms("13800138000") == "验证码 482913，5 分钟内有效。"
    assert "13800138000" in caplog.text and "482913" in caplog.text


def test_an_sms_is_not_sent_when_the_callers_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notify.send_sms("13800138000", "x")
                raise RuntimeError
    assert callbacks == [] and not Delivery.objects.exists()


class DownSms:
    records = False
    calls = 0

    def send(self, phone, text, *, template="", params=None):
        DownSms.calls += 1
        raise ConnectionError("gateway down")


def test_a_failed_sms_stays_in_the_outbox_for_the_worker(settings, django_capture_on_commit_callbacks):
    settings.PROPDESK_SMS_BACKEND = "core.tests.test_notify_sms.DownSms"
    with django_capture_on_commit_callbacks(execute=True):
        row = notify.send_sms("13800138000", "验证码 1", sensitive=True)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1) and "gateway down" in row.last_error
    assert row.next_attempt_at is not None


class UpSms:
    records = False

    def send(self, phone, text, *, template="", params=None):
        pass


def test_a_sensitive_sms_loses_its_text_once_a_real_provider_sent_it(settings, django_capture_on_commit_callbacks):
    settings.PROPDESK_SMS_BACKEND = "core.tests.test_notify_sms.UpSms"
    with django_capture_on_commit_callbacks(execute=True):
        row = notify.send_sms("13800138000", "验证码 482913", sensitive=True)
    row.refresh_from_db()
    assert (row.status, row.text) == ("sent", "")
