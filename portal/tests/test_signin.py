"""Phone and one-time code: throttled, bound to its phone, expiring, single use, locking out, and
closed to staff."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.choices import Role
from core.errors import ActionRefused
from core.models import AuditEntry, User
from portal import services
from portal.models import DevOutbox, SignInCode
from tests.factories import PASSWORD, make_user

IP = "10.0.0.5"


def last_code(phone):
    return re.search(r"\d{6}", DevOutbox.objects.filter(phone=phone).first().text).group()


def ask(phone, ip=IP):
    return services.code_request(phone=phone, ip=ip)


def test_code_signs_in_the_resident_once(world):
    ask("13812345678")
    code = last_code("13812345678")
    stored = SignInCode.objects.get()
    assert code not in stored.code_hash and stored.expires_at - stored.created_at == timedelta(minutes=5)
    assert services.code_verify(phone="138 1234 5678", code=code, ip=IP) == world.resident_user
    with pytest.raises(ValidationError):  # reused
        services.code_verify(phone="13812345678", code=code, ip=IP)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"code_sent", "code_signin", "code_wrong"} <= actions


def test_a_code_asked_for_in_a_loop_is_throttled(world):
    ask("13812345678")
    with pytest.raises(services.Throttled):
        ask("13812345678")  # within 60 s
    past = timezone.now() - timedelta(minutes=2)
    SignInCode.objects.update(created_at=past)
    for _ in range(4):
        ask("13812345678")
        SignInCode.objects.update(created_at=past)
    with pytest.raises(services.Throttled):  # the sixth within the hour
        ask("13812345678")
    assert SignInCode.objects.count() == 5


def test_many_phones_from_one_address_are_throttled(world):
    for i in range(20):
        ask(f"139{i:08d}")
    with pytest.raises(services.Throttled):
        ask("13700000000")
    ask("13700000000", ip="10.0.0.6")


def test_a_code_for_another_phone_is_refused(world):
    ask("13900001111")  # the neighbour's
    code = last_code("13900001111")
    with pytest.raises(ValidationError):
        services.code_verify(phone="13812345678", code=code, ip=IP)


def test_an_expired_code_is_refused(world):
    ask("13812345678")
    code = last_code("13812345678")
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError):
        services.code_verify(phone="13812345678", code=code, ip=IP)


def test_five_wrong_codes_lock_the_phone_out(world):
    ask("13812345678")
    code = last_code("13812345678")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.code_verify(phone="13812345678", code=wrong, ip=IP)
    with pytest.raises(services.Throttled):  # even the right code, for 15 minutes
        services.code_verify(phone="13812345678", code=code, ip=IP)
    assert AuditEntry.objects.filter(action="code_locked").exists()


def test_staff_phone_gets_no_code_and_cannot_sign_in(world):
    make_user("cs9", Role.CS_STAFF, [world.project], phone="13600009999")
    assert ask("13600009999")["sent_to"] == ""
    assert not DevOutbox.objects.exists()
    # a staff account linked as a resident is refused too, with its password untouched
    world.resident.user = world.cs
    world.resident.save(update_fields=["user"])
    before = User.objects.get(pk=world.cs.pk).password
    ask("13812345678")
    assert not DevOutbox.objects.exists()
    SignInCode.objects.all().delete()  # a code that was sent all the same is still refused
    now = timezone.now()
    SignInCode.objects.create(
        phone="13812345678", code_hash=services._hash("13812345678", "123456"), expires_at=now + timedelta(minutes=5)
    )
    with pytest.raises(ActionRefused):
        services.code_verify(phone="13812345678", code="123456", ip=IP)
    assert AuditEntry.objects.filter(action="code_refused").exists()
    assert User.objects.get(pk=world.cs.pk).password == before


def test_a_resident_without_an_account_gets_one(world):
    ask("13900001111")
    user = services.code_verify(phone="13900001111", code=last_code("13900001111"), ip=IP)
    assert user.role == Role.RESIDENT and not user.has_usable_password()
    world.neighbour.refresh_from_db()
    assert world.neighbour.user == user


def test_the_page_signs_in_and_says_where_the_code_went(client, world, settings):
    settings.DEBUG = True
    page = client.post(reverse("portal:signin"), {"phone": "13812345678"})
    assert page.status_code == 200 and b"dev-outbox" in page.content
    code = last_code("13812345678")
    assert code.encode() in page.content
    again = client.post(reverse("portal:signin"), {"phone": "13812345678"})
    assert again.status_code == 429
    done = client.post(reverse("portal:signin"), {"phone": "13812345678", "code": code})
    assert done.status_code == 302 and done["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_code_check_reads_the_residents_once_and_commits_once(client, world, django_assert_max_num_queries):
    """The check (the count of failures, the code, its use, the phone's residents, the staff
    question, the audit line, the session, the last sign-in) in one transaction: 16 statements with
    its savepoints, the session's own save after it. Reading the residents twice, or looking the
    account up again by name for the audit line, goes over."""
    client.post(reverse("portal:signin"), {"phone": "13812345678"})
    code = last_code("13812345678")
    with django_assert_max_num_queries(16):
        done = client.post(reverse("portal:signin"), {"phone": "13812345678", "code": code})
    assert done.status_code == 302
    assert AuditEntry.objects.filter(action="code_signin", object_id=str(world.resident_user.pk)).exists()


def test_a_code_sign_in_leaves_axes_password_bookkeeping_alone_and_a_password_sign_in_keeps_it(client, world, settings):
    """The code's own lockout counts code sign-ins; django-axes keeps counting passwords."""
    from axes.models import AccessLog

    settings.AXES_ENABLED = True  # off for the rest of the suite (conftest.py)
    client.post(reverse("portal:signin"), {"phone": "13812345678"})
    done = client.post(reverse("portal:signin"), {"phone": "13812345678", "code": last_code("13812345678")})
    assert done.status_code == 302 and not AccessLog.objects.exists()
    client.logout()
    assert client.post(reverse("login"), {"username": "cs", "password": PASSWORD}).status_code == 302
    assert AccessLog.objects.filter(username="cs").exists()


def test_the_development_backend_says_where_the_code_went_whoever_asks_and_logs_it(client, world, caplog):
    """Without DEBUG the page still says that no SMS left the machine (for a registered phone and an
    unknown one alike: it must not tell who lives here); the code is on the console's log."""
    for phone in ("13812345678", "13900009999"):
        page = client.post(reverse("portal:signin"), {"phone": phone}, REMOTE_ADDR=f"10.1.{phone[-1]}.1")
        assert b'id="dev-outbox"' in page.content
        assert last_code("13812345678").encode() not in page.content  # the code itself only under DEBUG
    assert any(last_code("13812345678") in r.getMessage() for r in caplog.records)


def test_signing_in_writes_the_new_session_once_and_the_old_one_is_gone(client, world):
    """core/sessions: the new key is made at the first save (one INSERT, no UPDATE after it); the
    session the visitor had before signing in is deleted at once (no fixation)."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post(reverse("portal:signin"), {"phone": "13812345678"})
    session = client.session
    session["before"] = 1
    session.save()
    old = session.session_key
    with CaptureQueriesContext(connection) as q:
        done = client.post(reverse("portal:signin"), {"phone": "13812345678", "code": last_code("13812345678")})
    assert done.status_code == 302
    statements = [s["sql"] for s in q.captured_queries if "django_session" in s["sql"]]
    writes = [sql.split()[0] for sql in statements if not sql.startswith("SELECT")]
    # the old row deleted, the new one inserted (no update after it), and no look-up of the new key
    assert writes == ["DELETE", "INSERT"], writes
    assert not any(sql.startswith('SELECT 1 AS "a"') for sql in statements), statements
    assert not Session.objects.filter(session_key=old).exists()
    new = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new != old and Session.objects.filter(session_key=new).exists()
    assert client.get(reverse("portal:home")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_code_check_commits_once_with_the_new_session_inside(client):
    """One commit for the whole sign-in (one flush of the database's log): the check, the account,
    the audit line and the new session's row; the session middleware's save adds nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import World

    World()
    client.post(reverse("portal:signin"), {"phone": "13812345678"})
    with CaptureQueriesContext(connection) as q:
        done = client.post(reverse("portal:signin"), {"phone": "13812345678", "code": last_code("13812345678")})
    assert done.status_code == 302
    sql = [s["sql"] for s in q.captured_queries]
    commits = [i for i, statement in enumerate(sql) if statement.startswith("COMMIT")]
    inserted = [i for i, statement in enumerate(sql) if statement.startswith('INSERT INTO "django_session"')]
    assert len(commits) == 1 and len(inserted) == 1 and inserted[0] < commits[0], sql
    assert client.get(reverse("portal:home")).status_code == 200
