import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionRefused
from core.models import Notification
from desk.choices import Severity
from duty import registry, services
from duty.choices import HandoverState, ItemAnswer
from duty.models import Assignment, Handover, LogEntry
from duty.registry import OpenItem

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def fake_kind():
    """A kind registered only for this test, as another app would."""
    registry.kinds()  # discover the real ones first
    saved = dict(registry._KINDS)

    @registry.open_item_kind("fake_parcels", "测试包裹", order=30)
    def fake(*, project, user, at):
        return [
            OpenItem(key=f"fake:{project.pk}:{i}", title=f"包裹{i}", detail=f"交给{user.name}", url="/x/", since=at)
            for i in range(3)
        ]

    yield "fake_parcels"
    registry._KINDS.clear()
    registry._KINDS.update(saved)


def lend(world, key, **kw):
    data = dict(borrower_name="孙师傅", purpose="检修水泵", due_back=timezone.now() + timedelta(hours=2))
    data.update(kw)
    return services.key_lend(actor=world.cs, key=key, **data)


def ready_to_sign(world, h):
    """Fill every count with its expected value and sign as the outgoing person."""
    services.handover_save(
        actor=world.cs, handover=h, notes="无异常", counts={c.pk: (c.expected, "") for c in h.counts.all()}
    )
    return services.handover_sign_out(actor=world.cs, handover=h)


def test_every_registered_kind_is_carried_over(world, key, fake_kind, things):
    mine = world.register(actor=world.cs, title="我登记的投诉")
    theirs_new = world.register(actor=world.cs2, title="同事刚登记还没派单")
    theirs_old = world.register(actor=world.cs2, title="同事昨天登记的")
    type(theirs_old).objects.filter(pk=theirs_old.pk).update(created_at=timezone.now() - timedelta(days=1))
    other = world.register_other(title="别的项目")
    loan = lend(world, key)
    flagged = services.log_add(
        actor=world.cs, project=world.project, category="emergency", text="2号楼停水", hand_over=True
    )
    services.log_add(actor=world.cs, project=world.project, category="patrol", text="巡查正常")

    kinds = [k.code for k in registry.kinds()]
    assert {"requests", "keys", "duty_log", fake_kind} <= set(kinds)
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)

    items = list(h.items.all())
    by_kind = {}
    for it in items:
        by_kind.setdefault(it.kind, set()).add(it.key)
    # Every kind registered when the handover started has its items on the handover, in full.
    gathered = registry.gather(project=world.project, user=world.cs, at=h.started_at)
    assert set(gathered) == set(kinds)
    for code, found in gathered.items():
        assert {i.key for i in found} == by_kind.get(code, set()), code
    assert by_kind["requests"] == {f"request:{mine.pk}", f"request:{theirs_new.pk}"}
    assert f"request:{theirs_old.pk}" not in by_kind["requests"] and f"request:{other.pk}" not in by_kind["requests"]
    assert by_kind["keys"] == {f"keyloan:{loan.pk}"}
    assert by_kind["duty_log"] == {f"log:{flagged.pk}"}
    assert len(by_kind[fake_kind]) == 3
    assert h.item_count == len(items) == 2 + 1 + 1 + 3
    labels = {it.kind: it.kind_label for it in items}
    assert labels["requests"] == "未结工单" and labels[fake_kind] == "测试包裹"
    # Items are in kind order: requests, keys, the fake (30), the log (90).
    assert [it.kind for it in sorted(items, key=lambda i: i.order)][:4] == ["requests", "requests", "keys", fake_kind]
    # The shift's log and the counts come along.
    assert h.log_lines.count() == 2
    assert [c.name for c in h.counts.all()] == ["对讲机", "备用金"]
    assert Notification.objects.filter(user=world.cs2, url=reverse("duty:handover", args=[h.pk])).exists()


def test_the_snapshot_does_not_change_afterwards(world, key):
    loan = lend(world, key)
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    services.key_return(actor=world.cs, loan=loan)
    assert h.items.filter(key=f"keyloan:{loan.pk}").exists()


def test_the_happy_path_with_a_refused_item(world, key, things):
    world.register(actor=world.cs, title="漏水未修", severity=Severity.URGENT)
    lend(world, key)
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    counts = {c.name: c for c in h.counts.all()}
    # A difference without an explanation stops the outgoing signature.
    services.handover_save(
        actor=world.cs,
        handover=h,
        notes="1号楼电梯维保中",
        counts={counts["对讲机"].pk: (Decimal(3), ""), counts["备用金"].pk: (Decimal(500), "")},
    )
    with pytest.raises(ValidationError) as exc:
        services.handover_sign_out(actor=world.cs, handover=h)
    assert f"count_{counts['对讲机'].pk}" in exc.value.message_dict
    h.refresh_from_db()
    assert h.state == HandoverState.DRAFT
    services.handover_save(
        actor=world.cs,
        handover=h,
        notes="1号楼电梯维保中",
        counts={counts["对讲机"].pk: (Decimal(3), "一台送修"), counts["备用金"].pk: (Decimal(500), "")},
    )
    services.handover_sign_out(actor=world.cs, handover=h)
    req, keyitem = list(h.items.order_by("order"))
    services.handover_answer(actor=world.cs2, item=req, accept=True)
    with pytest.raises(ValidationError):  # refusing needs a reason
        services.handover_answer(actor=world.cs2, item=keyitem, accept=False, reason="  ")
    services.handover_answer(actor=world.cs2, item=keyitem, accept=False, reason="钥匙柜里对不上，没有借条")
    keyitem.refresh_from_db()
    assert keyitem.answer == ItemAnswer.REFUSED and keyitem.reason.startswith("钥匙柜")
    # The supervisors are told.
    note = Notification.objects.get(user=world.supervisor, title__contains="拒收")
    assert "钥匙柜" in note.body
    assert Notification.objects.filter(user=world.manager, title__contains="拒收").exists()
    services.handover_sign_in(actor=world.cs2, handover=h, comment="已接")
    h.refresh_from_db()
    assert h.state == HandoverState.COMPLETED and h.incoming_signed_at and h.outgoing_signed_at
    # The refused item stays visible.
    from duty.selectors import refused_items

    assert refused_items(world.project) == [keyitem]


def test_refusals(world, key, things):
    lend(world, key)
    with pytest.raises(ValidationError):  # the same person on both sides
        services.handover_start(actor=world.cs, project=world.project, incoming=world.cs)
    with pytest.raises(ValidationError):  # the incoming must keep the desk of this project
        services.handover_start(actor=world.cs, project=world.project, incoming=world.tech)
    with pytest.raises(ValidationError):
        services.handover_start(actor=world.cs, project=world.project, incoming=world.outsider)
    with pytest.raises(ActionRefused):  # a technician cannot start a desk handover
        services.handover_start(actor=world.tech, project=world.project, incoming=world.cs)
    with pytest.raises(ActionRefused):  # nor staff of another project
        services.handover_start(actor=world.outsider, project=world.project, incoming=world.cs)
    assert not Handover.objects.exists()

    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    with pytest.raises(ActionRefused):  # one open handover per outgoing person
        services.handover_start(actor=world.cs, project=world.project, incoming=world.supervisor)
    item = h.items.get()
    with pytest.raises(ActionRefused):  # answering before the outgoing signed
        services.handover_answer(actor=world.cs2, item=item, accept=True)
    with pytest.raises(ActionRefused):  # signing for the outgoing person by someone else
        services.handover_sign_out(actor=world.cs2, handover=h)
    with pytest.raises(ActionRefused):
        services.handover_sign_out(actor=world.supervisor, handover=h)
    with pytest.raises(ActionRefused):  # writing the outgoing's notes by someone else
        services.handover_save(actor=world.cs2, handover=h, notes="x", counts={})
    with pytest.raises(ActionRefused):  # the incoming signing before the outgoing
        services.handover_sign_in(actor=world.cs2, handover=h)
    ready_to_sign(world, h)
    with pytest.raises(ActionRefused):  # notes are frozen once the outgoing signed
        services.handover_save(actor=world.cs, handover=h, notes="改一下", counts={})
    with pytest.raises(ActionRefused):  # the outgoing cannot answer for the incoming
        services.handover_answer(actor=world.cs, item=item, accept=True)
    with pytest.raises(ActionRefused):  # signing for the incoming person by someone else
        services.handover_sign_in(actor=world.cs, handover=h)
    with pytest.raises(ActionRefused):  # the incoming signing before answering every item
        services.handover_sign_in(actor=world.cs2, handover=h)
    services.handover_answer(actor=world.cs2, item=item, accept=True)
    with pytest.raises(ActionRefused):  # an answer is final
        services.handover_answer(actor=world.cs2, item=item, accept=False, reason="反悔")
    services.handover_sign_in(actor=world.cs2, handover=h)
    # Nothing changes after completion.
    for attempt in (
        lambda: services.handover_save(actor=world.cs, handover=h, notes="补充", counts={}),
        lambda: services.handover_sign_out(actor=world.cs, handover=h),
        lambda: services.handover_sign_in(actor=world.cs2, handover=h),
        lambda: services.handover_answer(actor=world.cs2, item=item, accept=False, reason="x"),
        lambda: services.handover_acknowledge_all(actor=world.cs2, handover=h),
        lambda: services.handover_cancel(actor=world.supervisor, handover=h, reason="x"),
    ):
        with pytest.raises(ActionRefused):
            attempt()
    h.refresh_from_db()
    item.refresh_from_db()
    assert (h.state, h.notes, item.answer) == (HandoverState.COMPLETED, "无异常", ItemAnswer.ACKNOWLEDGED)


def test_counts_must_all_be_entered(world, things):
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    with pytest.raises(ValidationError) as exc:
        services.handover_sign_out(actor=world.cs, handover=h)
    assert len(exc.value.message_dict) == 2
    with pytest.raises(ValidationError):
        services.handover_save(actor=world.cs, handover=h, notes="", counts={h.counts.first().pk: (Decimal(-1), "")})


def test_a_cancelled_handover_stays_and_frees_the_outgoing(world):
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    with pytest.raises(ActionRefused):
        services.handover_cancel(actor=world.cs2, handover=h, reason="不是我")
    with pytest.raises(ValidationError):
        services.handover_cancel(actor=world.cs, handover=h, reason="")
    services.handover_cancel(actor=world.cs, handover=h, reason="选错接班人")
    again = services.handover_start(actor=world.cs, project=world.project, incoming=world.supervisor)
    assert Handover.objects.count() == 2 and again.is_open
    h.refresh_from_db()
    assert h.state == HandoverState.CANCELLED and h.cancel_reason == "选错接班人"


@time_machine.travel(datetime(2026, 11, 26, 16, 5, tzinfo=TZ), tick=False)
def test_the_shift_period_comes_from_the_roster(world):
    from duty.models import Shift

    early = Shift.objects.create(project=world.project, name="早班", start="08:00", end="16:00")
    Assignment.objects.create(
        project=world.project, day=date(2026, 11, 26), shift=early, user=world.cs, created_by=world.supervisor
    )
    before = LogEntry.objects.create(
        project=world.project,
        category="patrol",
        text="昨晚的事",
        author=world.cs2,
        at=timezone.now() - timedelta(hours=10),
        hand_over=True,
    )
    during = services.log_add(
        actor=world.cs,
        project=world.project,
        category="call",
        text="早班来电",
        hand_over=True,
        at=timezone.now() - timedelta(hours=3),
    )
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    assert h.shift == early
    assert timezone.localtime(h.period_start).hour == 8
    assert [line.entry_id for line in h.log_lines.all()] == [during.pk]
    keys = set(h.items.values_list("key", flat=True))
    assert f"log:{during.pk}" in keys and f"log:{before.pk}" not in keys


# ------------------------------------------------------------------ pages


def test_handover_pages_cast(client, world, key):
    lend(world, key)
    url = reverse("duty:handovers", args=[world.project.pk])
    client.force_login(world.tech)
    assert client.post(url, {"incoming": world.cs2.pk}).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url, {"incoming": world.cs2.pk}).status_code == 404
    client.force_login(world.cs)
    r = client.post(url, {"incoming": world.cs.pk})
    assert r.status_code == 400 and not Handover.objects.exists()
    r = client.post(url, {"incoming": world.cs2.pk})
    h = Handover.objects.get()
    assert r.status_code == 302 and r.url == reverse("duty:handover", args=[h.pk])
    page = reverse("duty:handover", args=[h.pk])
    client.force_login(world.outsider)
    assert client.get(page).status_code == 404
    assert client.get(reverse("duty:handover-pdf", args=[h.pk])).status_code == 404
    client.force_login(world.tech)
    assert client.get(page).status_code == 403
    client.force_login(world.supervisor)
    assert client.get(page).status_code == 200


def test_handover_flow_through_the_pages(client, world, key, things):
    lend(world, key)
    world.register(actor=world.cs, title="门禁坏了")
    client.force_login(world.cs)
    client.post(reverse("duty:handovers", args=[world.project.pk]), {"incoming": world.cs2.pk})
    h = Handover.objects.get()
    counts = {c.name: c for c in h.counts.all()}
    act = lambda a: reverse("duty:handover-act", args=[h.pk, a])  # noqa: E731
    data = {"notes": "交班", f"count_{counts['对讲机'].pk}": "3", f"count_{counts['备用金'].pk}": "500"}
    r = client.post(act("sign-out"), data)
    assert r.status_code == 400 and "请说明差异" in r.content.decode()
    h.refresh_from_db()
    assert h.state == HandoverState.DRAFT and h.notes == "交班"  # saved, not signed
    data[f"expl_{counts['对讲机'].pk}"] = "一台充电中"
    assert client.post(act("sign-out"), data).status_code == 302
    h.refresh_from_db()
    assert h.state == HandoverState.OUTGOING_SIGNED
    client.force_login(world.cs2)
    items = list(h.items.order_by("order"))
    r = client.post(reverse("duty:item-answer", args=[items[0].pk]), {"accept": "1"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "已确认" in r.content.decode()
    r = client.post(
        reverse("duty:item-answer", args=[items[1].pk]), {"refuse": "1", "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 400 and "拒收时请说明原因" in r.content.decode()
    client.post(act("sign-in"), {"comment": ""})
    h.refresh_from_db()
    assert h.state == HandoverState.OUTGOING_SIGNED  # an item is unanswered
    assert client.post(act("ack-all")).status_code == 302
    client.post(act("sign-in"), {"comment": "收到"})
    h.refresh_from_db()
    assert h.state == HandoverState.COMPLETED and h.incoming_comment == "收到"


def test_handover_page_query_count_is_bounded(client, world, key, things, django_assert_max_num_queries):
    for i in range(40):
        world.register(actor=world.cs, title=f"工单{i}")
    lend(world, key)
    for i in range(20):
        services.log_add(actor=world.cs, project=world.project, category="patrol", text=f"巡查{i}")
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    assert h.item_count == 41
    client.force_login(world.cs)
    with django_assert_max_num_queries(16):
        r = client.get(reverse("duty:handover", args=[h.pk]))
    assert r.status_code == 200 and r.content.decode().count('id="item-') == 41


def test_handover_pdf_renders_chinese(client, world, key, things, tmp_path):
    lend(world, key)
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    client.force_login(world.cs2)
    r = client.get(reverse("duty:handover-pdf", args=[h.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "h.pdf"
    pdf.write_bytes(r.content)
    try:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext not installed")
    assert "交接班记录" in text and "3号楼水泵房" in text and "王丽" in text


def test_board_shows_who_is_on_duty_and_my_handovers(client, world, django_assert_max_num_queries):
    from duty.models import Shift

    now = timezone.localtime()
    # start == end: a 24-hour window from midnight (the service refuses it; fine for this test).
    s = Shift.objects.create(project=world.project, name="全天", start="00:00", end="00:00")
    Assignment.objects.create(
        project=world.project, day=now.date(), shift=s, user=world.cs2, created_by=world.supervisor
    )
    h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    client.force_login(world.cs2)
    with django_assert_max_num_queries(14):
        r = client.get(reverse("duty:board", args=[world.project.pk]))
    page = r.content.decode()
    assert "李娜" in page and reverse("duty:handover", args=[h.pk]) in page
    assert client.get(reverse("duty:home")).status_code == 302


def test_a_large_handover_is_written_in_full(world):
    """Above 200 rows the snapshot is written with COPY on PostgreSQL: every row, every column."""
    registry.kinds()
    saved = dict(registry._KINDS)
    at = timezone.now()

    @registry.open_item_kind("many", "大量事项", order=99)
    def many(*, project, user, at):
        return [
            OpenItem(key=f"many:{i}", title=f"事项{i}", detail="说明\t含制表符\n换行", url=f"/m/{i}/", since=at)
            for i in range(350)
        ]

    try:
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    project=world.project,
                    at=at - timedelta(minutes=i + 1),
                    category="patrol",
                    text=f"巡查{i}",
                    author=world.cs,
                )
                for i in range(210)
            ]
        )
        h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2, at=at)
    finally:
        registry._KINDS.clear()
        registry._KINDS.update(saved)
    items = list(h.items.filter(kind="many").order_by("order"))
    assert len(items) == 350 == h.item_count
    last = items[-1]
    assert (last.title, last.detail, last.url, last.kind_label, last.answer) == (
        "事项349",
        "说明\t含制表符\n换行",
        "/m/349/",
        "大量事项",
        ItemAnswer.PENDING,
    )
    assert last.since == at
    lines = list(h.log_lines.all())
    assert len(lines) == 210 and lines[-1].text == "巡查0" and lines[0].author_name == "王丽"
