"""Sign-in throttling (core/signin.py, django-axes): repeated failures lock an account and an address
out for a while, on the sign-in page and on POST /api/token/; every failure, lockout and lift is in
the change log; an administrator lifts a lockout in the admin or from the command line."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.choices import Role
from core.models import AuditEntry
from tests.factories import PASSWORD, make_user

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def throttle(settings):
    """The throttle is off for the rest of the suite (conftest.py); on here, with the shipped limits."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_twelve_wrong_passwords_lock_the_account_and_say_for_how_long(client, world):
    answers = [sign_in(client, "cs", WRONG) for _ in range(12)]
    assert [a.status_code for a in answers[:4]] == [200] * 4  # the sign-in page again, "wrong password"
    assert all(a.status_code == 429 for a in answers[4:])
    page = answers[-1].content.decode()
    assert "登录失败次数过多，已锁定 15 分钟" in page and "管理员解除锁定" in page
    assert 'name="password"' in page  # still the sign-in form

    # The right password is refused too, until the lockout has passed.
    refused = sign_in(client, "cs", PASSWORD)
    assert refused.status_code == 429 and not signed_in(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert sign_in(client, "cs", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(client, "cs", PASSWORD).status_code == 302
        assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="cs").exists()  # a success clears the count


def test_the_lockout_message_in_english(client, world):
    for _ in range(5):
        sign_in(client, "cs", WRONG)
    client.cookies["django_language"] = "en"
    page = sign_in(client, "cs", PASSWORD)
    assert page.status_code == 429
    assert "Too many failed sign-ins: signing in is locked for 15 minutes" in page.content.decode()


def test_one_address_is_locked_out_across_accounts(client, world):
    for username in ["cs", "sup", "tech", "guard", "cs"]:
        sign_in(client, username, WRONG, ip="10.0.0.9")
    # A third account, with the right password, from the same address: refused.
    assert sign_in(client, "mgr", PASSWORD, ip="10.0.0.9").status_code == 429
    # The same account from another address is not.
    assert sign_in(client, "mgr", PASSWORD, ip="10.0.0.10").status_code == 302


def test_one_account_is_locked_out_across_addresses(client, world):
    for i in range(5):
        sign_in(client, "cs", WRONG, ip=f"10.0.1.{i}")
    assert sign_in(client, "cs", PASSWORD, ip="10.0.1.99").status_code == 429
    assert not signed_in(client)


def test_the_admin_sign_in_is_throttled_too(client, world):
    root = make_user("root", Role.COMPANY_ADMIN, is_superuser=True, is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": root.username, "password": WRONG, "next": "/admin/"})
    answer = client.post("/admin/login/", {"username": root.username, "password": PASSWORD, "next": "/admin/"})
    assert answer.status_code == 429 and "登录失败次数过多" in answer.content.decode()


def test_the_token_endpoint_counts_failures_and_answers_429_when_locked(world):
    api = APIClient()
    answers = [
        api.post("/api/token/", {"username": "cs", "password": WRONG}, format="json", REMOTE_ADDR="10.0.2.1")
        for _ in range(6)
    ]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert [a.status_code for a in answers[4:]] == [429, 429]
    right = api.post("/api/token/", {"username": "cs", "password": PASSWORD}, format="json", REMOTE_ADDR="10.0.2.1")
    assert right.status_code == 429
    body = right.json()
    assert body["code"] == "locked_out" and "15 分钟" in body["detail"] and "token" not in body
    assert right["Retry-After"] == "900"
    # Failures on the page and through the API count together for the account.
    assert AccessAttempt.objects.filter(username="cs").exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        ok = api.post("/api/token/", {"username": "cs", "password": PASSWORD}, format="json", REMOTE_ADDR="10.0.2.1")
    assert ok.status_code == 200 and ok.json()["token"]


def test_failures_and_the_lockout_are_in_the_change_log_without_passwords(client, world):
    for _ in range(6):
        sign_in(client, "cs", WRONG, ip="10.0.3.3")
    sign_in(client, "nobody", WRONG, ip="10.0.3.4")
    failed = AuditEntry.objects.filter(action="login_failed", object_repr="cs")
    assert failed.count() == 6
    entry = failed.first()
    assert entry.object_type == "core.User" and entry.object_id == str(world.cs.pk)
    assert entry.changes["ip"] == "10.0.3.3" and entry.changes["path"] == "/login/"
    locked = AuditEntry.objects.filter(action="locked_out", object_repr="cs")
    assert locked.exists() and locked.first().changes["ip"] == "10.0.3.3"
    unknown = AuditEntry.objects.get(action="login_failed", object_repr="nobody")
    assert unknown.object_id == ""  # an unknown name is recorded as typed
    every = " ".join(str(e.changes) for e in AuditEntry.objects.all())
    assert WRONG not in every and PASSWORD not in every


def test_an_administrator_sees_and_lifts_a_lockout_in_the_admin(client, world):
    for _ in range(5):
        sign_in(client, "cs", WRONG, ip="10.0.4.4")
    attempt = AccessAttempt.objects.get(username="cs")

    root = make_user("root", Role.COMPANY_ADMIN, is_superuser=True, is_staff=True)
    admin = type(client)()
    admin.force_login(root)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "10.0.4.4" in listing.content.decode()
    answer = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert answer.status_code == 302
    assert not AccessAttempt.objects.exists()

    lifted = AuditEntry.objects.get(action="lockout_lifted")
    assert lifted.actor == root and lifted.object_repr == "cs" and lifted.changes["failures"] == 5
    assert sign_in(client, "cs", PASSWORD, ip="10.0.4.4").status_code == 302


def test_a_lockout_is_lifted_from_the_command_line(client, world):
    for _ in range(5):
        sign_in(client, "cs", WRONG)
    assert sign_in(client, "cs", PASSWORD).status_code == 429
    call_command("axes_reset_username", "cs")
    assert sign_in(client, "cs", PASSWORD).status_code == 302


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, world, settings):
    settings.PROPDESK_PROXY_COUNT = 1
    for i in range(5):
        client.post(
            "/login/",
            {"username": f"someone{i}", "password": WRONG},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 10.9.9.{i}",  # the left part is the client's own claim
        )
    # Five different clients behind the same proxy: no one is locked out by the others.
    assert sign_in(client, "cs", PASSWORD, ip="127.0.0.1").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {f"10.9.9.{i}" for i in range(5)}


def test_a_message_left_unshown_does_not_greet_the_next_person_to_sign_in(client, world):
    """A shared desk computer: the technician accepts a job and signs out before the page that
    would show "接单成功" is drawn; the next person to sign in does not see it."""
    from desk import services
    from desk.choices import Kind

    sr = world.register(actor=world.cs, kind=Kind.REPAIR, title="楼道灯不亮")
    services.request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
    sr.refresh_from_db()
    assert client.post(reverse("login"), {"username": world.tech.username, "password": PASSWORD}).status_code == 302
    acted = client.post(reverse("desk:act", args=[sr.pk, "accept"]), {"version": sr.version})
    assert acted.status_code == 302  # the message waits for the next page
    client.post(reverse("logout"))
    page = client.post(
        reverse("login"), {"username": world.cs.username, "password": PASSWORD}, follow=True
    ).content.decode()
    assert "接单成功" not in page and "成功，工单现在是" not in page


def test_a_message_added_after_signing_in_is_shown(client, world):
    """Only what was pending at the sign-in goes: the pages after it show their own messages."""
    from desk import services
    from desk.choices import Kind

    sr = world.register(actor=world.cs, kind=Kind.REPAIR, title="楼道灯不亮")
    services.request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
    sr.refresh_from_db()
    client.post(reverse("login"), {"username": world.tech.username, "password": PASSWORD})
    page = client.post(reverse("desk:act", args=[sr.pk, "accept"]), {"version": sr.version}, follow=True)
    assert "成功，工单现在是" in page.content.decode()
