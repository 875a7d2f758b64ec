"""PIPL: masked by default, a logged click to see the full number for roles with a need, exports
recorded, visitor-type data purged after the retention period with a record."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from core import privacy
from core.models import ExportRecord, Notification, PrivacySettings, PurgeRecord, RevealLog, User
from core.phone import normalize_phone


@pytest.mark.parametrize(
    "value, shown",
    [
        ("330106199001011234", "3301**********1234"),
        ("33010619900101123X", "3301**********123X"),
        ("E12345678", "*****5678"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_id_numbers_are_masked(value, shown):
    assert privacy.mask_id(value) == shown


def test_phones_are_masked():
    assert privacy.mask("13812345678", privacy.PHONE) == "138****5678"


def _reveal_url(obj, field):
    return reverse("privacy-reveal", args=[obj._meta.label_lower, obj.pk, field])


def test_the_request_page_shows_the_callers_phone_masked_with_a_reveal_button(client, world):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    client.force_login(world.cs)
    html = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html
    assert _reveal_url(sr, "caller_phone") in html


def test_revealing_a_phone_shows_it_and_is_logged(client, world):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    client.force_login(world.cs)
    response = client.post(_reveal_url(sr, "caller_phone"))
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    log = RevealLog.objects.get()
    assert (log.user, log.kind, log.object_id, log.field) == (world.cs, "phone", str(sr.pk), "caller_phone")


def test_a_technician_cannot_reveal_and_nothing_is_logged(client, world):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    from desk.services import request_dispatch

    request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
    client.force_login(world.tech)
    assert client.post(_reveal_url(sr, "caller_phone")).status_code == 403
    html = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    assert "13812345678" not in html
    assert _reveal_url(sr, "caller_phone") not in html
    assert not RevealLog.objects.exists()


def test_another_projects_record_cannot_be_revealed(client, world):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    client.force_login(world.outsider)
    assert client.post(_reveal_url(sr, "caller_phone")).status_code == 404
    assert not RevealLog.objects.exists()


def test_unregistered_fields_and_get_requests_are_refused(client, world):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    client.force_login(world.cs)
    assert client.post(_reveal_url(sr, "title")).status_code == 404
    assert client.get(_reveal_url(sr, "caller_phone")).status_code == 405
    assert not RevealLog.objects.exists()


def test_id_numbers_are_revealed_to_supervisors_but_not_to_workers(client, world):
    privacy.register_sensitive(User, "last_name", kind="id", visible=lambda user: User.objects.all())
    try:
        world.pm.last_name = "330106199001011234"
        world.pm.save()
        client.force_login(world.supervisor)
        assert "330106199001011234" in client.post(_reveal_url(world.pm, "last_name")).content.decode()
        client.force_login(world.guard)
        assert client.post(_reveal_url(world.pm, "last_name")).status_code == 403
        assert RevealLog.objects.filter(kind="id").count() == 1
    finally:
        privacy._SENSITIVE.pop(("core.user", "last_name"))


def test_exports_are_recorded(world):
    record = privacy.record_export(
        user=world.cs, what="业户名单", filters={"building": 3, "day": timezone.localdate()}, rows=42
    )
    assert ExportRecord.objects.get() == record
    assert record.filters["building"] == 3 and record.rows == 42


def test_the_retention_job_purges_old_records_only_and_records_it(world):
    now = timezone.now()
    old = Notification.objects.create(user=world.cs, title="访客 张三 330106199001011234")
    new = Notification.objects.create(user=world.cs, title="访客 李四 330106199001015678")
    Notification.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=200))
    Notification.objects.filter(pk=new.pk).update(created_at=now - timedelta(days=10))

    def purge(*, company, before):
        old = Notification.objects.filter(user__company=company, created_at__lt=before).exclude(title="（已清除）")
        return old.update(title="（已清除）")

    privacy.register_retention("test_notes", "测试", purge=purge)
    try:
        records = privacy.purge_expired(now=now)
        assert [(r.code, r.rows) for r in records] == [("test_notes", 1)]
        old.refresh_from_db()
        new.refresh_from_db()
        assert old.title == "（已清除）" and "李四" in new.title
        # Shorter retention: the 10-day-old one goes too; a second run finds nothing more.
        PrivacySettings.objects.filter(company=world.company).update(visitor_retention_days=5)
        assert [r.rows for r in privacy.purge_expired(now=now)] == [1]
        assert privacy.purge_expired(now=now) == []
        assert PurgeRecord.objects.count() == 2
    finally:
        privacy._RETENTION.pop("test_notes")


def test_the_logs_are_read_only_in_the_admin(client, world):
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    privacy.record_export(user=world.cs, what="业户名单", rows=1)
    client.force_login(admin)
    assert client.get(reverse("admin:core_exportrecord_changelist")).status_code == 200
    assert client.get(reverse("admin:core_reveallog_changelist")).status_code == 200
    assert client.get(reverse("admin:core_exportrecord_add")).status_code == 403


# ---------------------------------------------------------------- edit forms: masked, kept unless changed


class _CallerForm(privacy.MaskedPrefill, forms.Form):
    caller_name = forms.CharField()
    caller_phone = forms.CharField()

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request is not None:
            self.mask_prefill(request, "caller_phone")

    def clean_caller_phone(self):
        return normalize_phone(self.cleaned_data["caller_phone"])


def test_an_edit_form_prefills_a_sensitive_value_masked(world):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    form = _CallerForm(request=sr, initial={"caller_name": sr.caller_name})
    assert form.initial["caller_phone"] == "138****5678"
    assert 'value="138****5678"' in str(form["caller_phone"]) and "13812345678" not in form.as_p()


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("138****5678", "13812345678"),  # unchanged: the stored number is kept
        (" 138****5678 ", "13812345678"),
        ("+86 139 0000 1111", "13900001111"),  # a new number, normalised
    ],
)
def test_an_edit_form_keeps_the_stored_value_unless_changed(world, sent, stored):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    form = _CallerForm({"sr-caller_name": "张三", "sr-caller_phone": sent}, request=sr, prefix="sr")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["caller_phone"] == stored
    assert form["caller_phone"].value() == sent  # shown again, the page holds what was sent
    assert not RevealLog.objects.exists()


@pytest.mark.parametrize("sent", ["", "138****5679"])
def test_an_edit_form_refuses_an_emptied_or_edited_mask(world, sent):
    sr = world.register(caller_name="张三", caller_phone="13812345678")
    form = _CallerForm(QueryDict(f"caller_name=张三&caller_phone={quote(sent)}"), request=sr)
    assert not form.is_valid() and "caller_phone" in form.errors
    assert "13812345678" not in str(form.errors)
