from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionRefused
from duty import services
from duty.choices import LogCategory
from duty.models import KeyLoan, LogEntry


def test_log_entries_are_never_edited_corrections_reference_them(world):
    first = services.log_add(
        actor=world.cs, project=world.project, category=LogCategory.PATROL, text="3号楼消防通道堵塞"
    )
    fix = services.log_add(
        actor=world.cs2, project=world.project, category=LogCategory.PATROL, text="应为4号楼消防通道", corrects=first
    )
    first.refresh_from_db()
    assert first.text == "3号楼消防通道堵塞"  # untouched
    assert fix.corrects == first and list(first.corrections.all()) == [fix]
    assert LogEntry.objects.count() == 2


def test_log_refusals(world):
    other = services.log_add(actor=world.outsider, project=world.other_project, category="call", text="来电")
    with pytest.raises(ValidationError) as exc:
        services.log_add(
            actor=world.cs,
            project=world.project,
            category="nonsense",
            text=" ",
            at=timezone.now() + timedelta(hours=1),
            corrects=other,
        )
    assert {"category", "text", "at", "corrects"} <= set(exc.value.message_dict)
    with pytest.raises(ActionRefused):
        services.log_add(actor=world.tech, project=world.project, category="call", text="来电")
    with pytest.raises(ActionRefused):
        services.log_add(actor=world.outsider, project=world.project, category="call", text="来电")
    assert LogEntry.objects.count() == 1


def test_log_page_writes_and_corrects(client, world):
    url = reverse("duty:log", args=[world.project.pk])
    client.force_login(world.cs)
    r = client.post(url, {"category": "emergency", "text": "5号楼电梯困人，已通知维保", "hand_over": "on"})
    assert r.status_code == 302
    entry = LogEntry.objects.get()
    assert entry.hand_over and entry.author == world.cs
    r = client.get(url + f"?correct={entry.pk}")
    assert "更正这条记录" in r.content.decode()
    r = client.post(url, {"category": "emergency", "text": "是6号楼", "corrects": entry.pk})
    assert r.status_code == 302
    assert LogEntry.objects.get(corrects=entry).text == "是6号楼"
    r = client.post(url, {"category": "emergency", "text": ""})
    assert r.status_code == 400 and LogEntry.objects.count() == 2
    page = client.get(url).content.decode()
    assert "已更正" in page
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_log_page_query_count_is_bounded(client, world, django_assert_max_num_queries):
    now = timezone.now()
    entries = LogEntry.objects.bulk_create(
        [
            LogEntry(
                project=world.project,
                at=now - timedelta(minutes=i),
                category="patrol",
                text=f"巡查{i}",
                author=world.cs,
            )
            for i in range(80)
        ]
    )
    for e in entries[:10]:
        LogEntry.objects.create(project=world.project, category="patrol", text="更正", author=world.cs2, corrects=e)
    client.force_login(world.cs)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("duty:log", args=[world.project.pk]))
    assert r.status_code == 200 and "更早的记录" in r.content.decode()


def test_keys_are_lent_once_and_returned_once(world, key):
    due = timezone.now() + timedelta(hours=2)
    loan = services.key_lend(
        actor=world.cs,
        key=key,
        borrower_name="孙师傅",
        borrower_phone="138 1234 5678",
        purpose="检修水泵",
        due_back=due,
    )
    assert loan.borrower_phone == "13812345678"
    with pytest.raises(ActionRefused):
        services.key_lend(actor=world.cs2, key=key, borrower_name="钱师傅", purpose="再借", due_back=due)
    with pytest.raises(ActionRefused):  # a technician does not keep the desk's key board
        services.key_return(actor=world.tech, loan=loan)
    services.key_return(actor=world.cs2, loan=loan, note="完好")
    loan.refresh_from_db()
    assert loan.returned_to == world.cs2 and loan.returned_at is not None
    with pytest.raises(ActionRefused):
        services.key_return(actor=world.cs2, loan=loan)
    again = services.key_lend(actor=world.cs2, key=key, borrower_name="钱师傅", purpose="再借", due_back=due)
    assert KeyLoan.objects.count() == 2 and again.is_out


def test_key_lend_refusals(world, key, other_key):
    with pytest.raises(ValidationError) as exc:
        services.key_lend(
            actor=world.cs,
            key=key,
            borrower_name="",
            purpose="",
            due_back=timezone.now() - timedelta(minutes=1),
            borrower_phone="12ab",
        )
    assert {"borrower_name", "purpose", "due_back", "borrower_phone"} <= set(exc.value.message_dict)
    with pytest.raises(ActionRefused):
        services.key_lend(
            actor=world.cs, key=other_key, borrower_name="x", purpose="y", due_back=timezone.now() + timedelta(hours=1)
        )
    with pytest.raises(ActionRefused):
        services.key_lend(
            actor=world.pm, key=key, borrower_name="x", purpose="y", due_back=timezone.now() + timedelta(hours=1)
        )
    assert not KeyLoan.objects.exists()


def test_keys_page_masks_the_borrower_phone(client, world, key):
    services.key_lend(
        actor=world.cs,
        key=key,
        borrower_name="孙师傅",
        borrower_phone="13812345678",
        purpose="检修",
        due_back=timezone.now() + timedelta(hours=2),
    )
    client.force_login(world.cs)
    page = client.get(reverse("duty:keys", args=[world.project.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    client.force_login(world.tech)
    assert client.get(reverse("duty:keys", args=[world.project.pk])).status_code == 403


def test_key_lend_page(client, world, key):
    client.force_login(world.cs)
    url = reverse("duty:keys", args=[world.project.pk])
    due = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(url, {"key": key.pk, "borrower_name": "张工", "purpose": "查漏水", "due_back": due})
    assert r.status_code == 302
    loan = KeyLoan.objects.get()
    r = client.post(url, {"key": key.pk, "borrower_name": "李工", "purpose": "查漏水", "due_back": due})
    assert r.status_code == 400  # the key is out: not offered any more
    client.force_login(world.outsider)
    assert client.post(reverse("duty:key-return", args=[loan.pk])).status_code == 404
    client.force_login(world.cs2)
    assert client.post(reverse("duty:key-return", args=[loan.pk])).status_code == 302
    loan.refresh_from_db()
    assert loan.returned_to == world.cs2


def test_borrower_phones_are_purged_after_retention(world, key):
    from core.privacy import retentions
    from duty.apps import DutyConfig  # noqa: F401  (registered in ready())

    loan = services.key_lend(
        actor=world.cs,
        key=key,
        borrower_name="孙师傅",
        borrower_phone="13812345678",
        purpose="检修",
        due_back=timezone.now() + timedelta(hours=2),
    )
    purge = next(r.purge for r in retentions() if r.code == "duty_key_borrowers")
    assert purge(company=world.company, before=timezone.now() + timedelta(days=1)) == 0  # still out
    services.key_return(actor=world.cs, loan=loan)
    assert purge(company=world.company, before=timezone.now() + timedelta(days=1)) == 1
    loan.refresh_from_db()
    assert loan.borrower_phone == "" and loan.borrower_name == "孙师傅"
