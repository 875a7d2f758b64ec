"""The renovation workflow over the API (/api/renovations/{id}/<step>/): each step goes through the
service the page calls, as the role the page lets take it; a role that may not is a 403, another
project's application a 404, a step its state or rules refuse a 403/409 with nothing changed.
Who may call each URL at all is the access matrix's (tests/test_access_matrix.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.choices import Role
from renovation import rules, services
from renovation.choices import Action, FeeKind, State
from renovation.models import Deduction, Payment, Renovation, RenovationEvent, Violation, Worker, WorkerPass
from renovation.tests.helpers import ID2, apply, drive, make_id, pay, png, violate
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def url(step, renovation):
    return reverse(f"api:renovation-{step}", args=[renovation.pk])


def post(api, user, step, renovation, body=None, **extra):
    api.force_authenticate(user)
    fmt = "multipart" if any(hasattr(v, "read") for v in (body or {}).values()) else "json"
    return api.post(url(step, renovation), body or {}, format=fmt, **extra)


def _in_progress_with_pass(w):
    r = drive(w, State.IN_PROGRESS)
    services.renovation_issue_pass(actor=w.cs, renovation=r, worker=r.workers.get())
    return r


def _accepted_and_held(w):
    r = drive(w, State.ACCEPTED)
    Renovation.objects.filter(pk=r.pk).update(refund_due_on=timezone.localdate())
    return r


def _resubmission(w):
    today = timezone.localdate()
    return {
        "scope": "厨卫改造，补充水电图",
        "planned_start": str(today + timedelta(days=2)),
        "planned_end": str(today + timedelta(days=40)),
        "contractor_name": "杭州美家装饰有限公司",
        "contractor_licence": "91330106MA2XXXXX1",
        "contractor_person": "周工",
        "contractor_phone": "13912345678",
    }


# step, the application's state (or a setup), who, the body (from the world and the application), the state after
STEPS = [
    ("approve", State.SUBMITTED, "supervisor", lambda w, r: {"deposit": "3000", "fee": "600"}, State.APPROVED),
    ("send-back", State.SUBMITTED, "lead", lambda w, r: {"note": "请补充水电图"}, State.RETURNED),
    ("reject", State.SUBMITTED, "manager", lambda w, r: {"note": "拆改承重墙"}, State.REJECTED),
    ("cancel", State.APPROVED, "cs", lambda w, r: {"note": "业主暂不装修"}, State.CANCELLED),
    ("resubmit", State.RETURNED, "cs", lambda w, r: _resubmission(w), State.SUBMITTED),
    ("add-drawings", State.RETURNED, "resident_user", lambda w, r: {"drawings": png("plan.png")}, State.RETURNED),
    (
        "pay",
        State.APPROVED,
        "finance",
        lambda w, r: {"kind": FeeKind.DEPOSIT, "amount": "2000", "receipt_number": "SJ-1"},
        State.APPROVED,
    ),
    ("issue-permit", State.PAID, "cs", lambda w, r: {}, State.IN_PROGRESS),
    (
        "add-worker",
        State.IN_PROGRESS,
        "cs",
        lambda w, r: {"name": "李师傅", "id_number": ID2, "phone": "13700002222", "trade": "木工"},
        State.IN_PROGRESS,
    ),
    ("issue-pass", State.IN_PROGRESS, "cs", lambda w, r: {"worker": r.workers.get().pk}, State.IN_PROGRESS),
    (
        "revoke-pass",
        _in_progress_with_pass,
        "guard",
        lambda w, r: {"worker_pass": WorkerPass.objects.get(worker__renovation=r).pk, "note": "工人离场"},
        State.IN_PROGRESS,
    ),
    (
        "inspect",
        State.IN_PROGRESS,
        "guard",
        lambda w, r: {"result": "violation", "violation": "建筑垃圾堆放楼道", "photos": png("v.png")},
        State.IN_PROGRESS,
    ),
    ("rectify", None, "tech", lambda w, r: {"violation": r.violations.get().pk, "note": "已清运"}, State.IN_PROGRESS),
    ("to-request", None, "cs", lambda w, r: {"violation": r.violations.get().pk}, State.IN_PROGRESS),
    ("accept", State.IN_PROGRESS, "lead", lambda w, r: {"note": "验收合格"}, State.ACCEPTED),
    (
        "refund",
        _accepted_and_held,
        "finance",
        lambda w, r: {"deductions": [{"amount": "300", "reason": "损坏走廊墙面"}], "receipt_number": "TK-1"},
        State.REFUNDED,
    ),
]


def _setup(world, state):
    if state is None:  # an open violation, for rectify
        r = drive(world, State.IN_PROGRESS)
        violate(world, r)
        return Renovation.objects.get(pk=r.pk)
    if callable(state):
        return Renovation.objects.get(pk=state(world).pk)
    return Renovation.objects.get(pk=drive(world, state).pk)


@pytest.mark.parametrize("step,state,who,body,after", STEPS, ids=[s[0] for s in STEPS])
def test_each_step_goes_through_the_pages_service(api, world, step, state, who, body, after):
    r = _setup(world, state)
    events = RenovationEvent.objects.filter(renovation=r).count()
    response = post(api, getattr(world, who), step, r, body(world, r))
    assert response.status_code == 200, response.data
    assert response.data["id"] == r.pk and response.data["state"] == after
    assert response.data["version"] == r.version + 1
    assert RenovationEvent.objects.filter(renovation=r).count() == events + 1


def test_what_each_step_records(api, world):
    r = drive(world, State.IN_PROGRESS)
    post(
        api, world.finance, "pay", r, {"kind": FeeKind.PASS, "amount": "20", "receipt_number": "SJ-9", "note": "工本费"}
    )
    assert Payment.objects.filter(renovation=r, kind=FeeKind.PASS, receipt_number="SJ-9", recorded_by=world.finance)
    post(api, world.cs, "add-worker", r, {"name": "李师傅", "id_number": ID2, "phone": "13700002222"})
    worker = Worker.objects.get(renovation=r, name="李师傅")
    post(api, world.cs, "issue-pass", r, {"worker": worker.pk})
    assert WorkerPass.objects.filter(worker=worker, revoked_at__isnull=True).exists()
    post(api, world.guard, "inspect", r, {"result": "violation", "violation": "噪声作业超时", "photos": png()})
    violation = Violation.objects.get(renovation=r)
    assert violation.description == "噪声作业超时" and violation.photos.count() == 1


def test_the_application_shows_its_workers_passes_violations_and_the_next_steps(api, world):
    r = drive(world, State.IN_PROGRESS)
    post(api, world.cs, "issue-pass", r, {"worker": r.workers.get().pk})
    post(api, world.guard, "inspect", r, {"result": "violation", "violation": "噪声作业超时"})
    post(api, world.cs, "to-request", r, {"violation": r.violations.get().pk})
    data = api.get(reverse("api:renovation-detail", args=[r.pk])).data
    (worker,) = data["workers"]
    assert worker["name"] == "王师傅" and worker["id_number_masked"] != r.workers.get().id_number
    assert [p["valid_until"] for p in worker["passes"]] == [str(r.planned_end)]
    (violation,) = data["violations"]
    assert violation["description"] == "噪声作业超时" and violation["request"] and not violation["rectified_at"]
    steps = ["pay", "add-worker", "issue-pass", "revoke-pass", "inspect", "rectify", "to-request"]
    assert data["allowed_actions"] == steps  # the desk's: not the acceptance
    api.force_authenticate(world.finance)
    assert api.get(reverse("api:renovation-detail", args=[r.pk])).data["allowed_actions"] == ["pay"]


@pytest.mark.parametrize(
    "step,who,body",
    [
        ("approve", "cs", {}),  # the front desk does not review
        ("reject", "resident_user", {"note": "x"}),  # the owner sees the application but does not review it
        ("pay", "guard", {"kind": "deposit", "amount": "1", "receipt_number": "x"}),
        ("accept", "cs", {}),  # guards and the front desk inspect but do not sign off
        ("refund", "cs", {"receipt_number": "x"}),
        ("inspect", "finance", {"result": "passed"}),
    ],
)
def test_a_role_that_may_not_take_the_step_is_403_and_nothing_changes(api, world, step, who, body):
    r = drive(world, State.SUBMITTED)
    response = post(api, getattr(world, who), step, r, body)
    assert response.status_code == 403 and response.data["detail"]
    assert Renovation.objects.get(pk=r.pk).version == r.version


def test_a_role_refusal_reads_the_rules_reason_in_the_shared_shape(api, world):
    r = drive(world, State.SUBMITTED)
    response = post(api, world.cs, "approve", r, {"deposit": "absurd"})  # the role before the body
    assert response.status_code == 403
    assert response.json() == {"detail": rules.role_refusal(world.cs, Action.APPROVE), "code": "permission_denied"}


@pytest.mark.parametrize("who", ["outsider", "other_tech"])
def test_another_projects_application_is_404(api, world, who):
    r = drive(world, State.IN_PROGRESS)
    assert post(api, getattr(world, who), "accept", r, {}).status_code == 404
    assert Renovation.objects.get(pk=r.pk).state == State.IN_PROGRESS


def test_a_neighbour_cannot_see_the_application_to_cancel_it(api, world):
    r = drive(world, State.SUBMITTED)
    world.neighbour.user = make_user("nb", Role.RESIDENT, company=world.company)
    world.neighbour.save(update_fields=["user"])
    assert post(api, world.neighbour.user, "cancel", r, {"note": "不装了"}).status_code == 404
    assert Renovation.objects.get(pk=r.pk).state == State.SUBMITTED


def test_the_owner_may_withdraw_their_own_application(api, world):
    r = drive(world, State.SUBMITTED)
    response = post(api, world.resident_user, "cancel", r, {"note": "暂不装修"})
    assert response.status_code == 200 and response.data["state"] == State.CANCELLED


@pytest.mark.parametrize(
    "step,state,who,body,status",
    [
        ("approve", State.IN_PROGRESS, "supervisor", {}, 403),  # not in review any more
        ("issue-permit", State.APPROVED, "cs", {}, 403),  # nothing paid yet
        ("accept", None, "lead", {}, 403),  # an open violation
        ("refund", State.ACCEPTED, "finance", {"receipt_number": "TK-1"}, 403),  # the holding period runs
        ("cancel", State.SUBMITTED, "cs", {"note": "业主撤回", "version": 99}, 409),  # a stale version
    ],
    ids=["wrong-state", "unpaid", "open-violation", "held", "stale-version"],
)
def test_a_step_the_service_refuses_changes_nothing(api, world, step, state, who, body, status):
    r = _setup(world, state)
    events = RenovationEvent.objects.filter(renovation=r).count()
    response = post(api, getattr(world, who), step, r, body)
    assert response.status_code == status, response.data
    assert response.data["code"] == {403: "refused", 409: "conflict"}[status] and response.data["detail"]
    after = Renovation.objects.get(pk=r.pk)
    assert (after.state, after.version) == (r.state, r.version)
    assert RenovationEvent.objects.filter(renovation=r).count() == events


def test_bad_input_is_a_400_with_field_errors_and_nothing_changes(api, world):
    r = drive(world, State.APPROVED)
    response = post(api, world.finance, "pay", r, {"kind": "gold", "amount": "-1"})
    assert response.status_code == 400 and {"kind", "amount", "receipt_number"} <= set(response.data["errors"])
    assert not Payment.objects.filter(renovation=r).exists()
    # the service's own field errors too: a worker of another application
    other = drive(world, State.IN_PROGRESS, apply(world, room=world.room2))
    response = post(api, world.supervisor, "send-back", r, {"note": ""})
    assert response.status_code == 400 and "note" in response.data["errors"]
    response = post(api, world.cs, "issue-pass", other, {"worker": Worker.objects.exclude(renovation=other).first().pk})
    assert response.status_code == 400 and "worker" in response.data["errors"]
    assert Renovation.objects.get(pk=r.pk).version == r.version


def test_an_absurd_number_of_workers_or_deductions_is_a_400_and_nothing_changes(api, world):
    api.force_authenticate(world.cs)
    workers = [{"name": f"工人{i}", "id_number": make_id(i), "phone": "13700001111"} for i in range(51)]
    body = {**_resubmission(world), "room": world.room.pk, "workers": workers}
    response = api.post(reverse("api:renovation-list"), body, format="json")
    assert response.status_code == 400 and "50" in str(response.data["errors"]["workers"]), response.data
    assert not Renovation.objects.exists() and not Worker.objects.exists()
    r = _accepted_and_held(world)
    deductions = [{"amount": "1", "reason": f"损坏{i}"} for i in range(51)]
    response = post(api, world.finance, "refund", r, {"deductions": deductions, "receipt_number": "TK-1"})
    assert response.status_code == 400 and "50" in str(response.data["errors"]["deductions"]), response.data
    after = Renovation.objects.get(pk=r.pk)
    assert (after.state, after.version) == (r.state, r.version) and not Deduction.objects.filter(renovation=r).exists()


def test_a_step_sent_twice_with_one_key_is_taken_once(api, world):
    r = drive(world, State.IN_PROGRESS)
    pay(world, r, FeeKind.OTHER, "1")  # something in the history before
    body = {"kind": FeeKind.OTHER, "amount": "50", "receipt_number": "SJ-50"}
    first = post(api, world.finance, "pay", r, body, HTTP_IDEMPOTENCY_KEY="pay-50")
    again = post(api, world.finance, "pay", r, body, HTTP_IDEMPOTENCY_KEY="pay-50")
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.filter(renovation=r, receipt_number="SJ-50").count() == 1
    other = post(api, world.finance, "pay", r, {**body, "amount": "60"}, HTTP_IDEMPOTENCY_KEY="pay-50")
    assert other.status_code == 409 and Payment.objects.filter(renovation=r, receipt_number="SJ-50").count() == 1


# ---------------------------------------------------------------- bounded queries


def _with_workers(world, n, room):
    """An application in progress with `n` workers, each holding a pass, and `n` violations."""
    r = drive(world, State.IN_PROGRESS, apply(world, room=room))
    for i in range(n - 1):  # the application's own worker is the first
        services.renovation_add_worker(
            actor=world.cs, renovation=r, name=f"工人{i}", id_number=make_id(i + 10), phone="13700002222"
        )
    for worker in r.workers.all():
        services.renovation_issue_pass(actor=world.cs, renovation=r, worker=worker)
    for _ in range(n):
        violate(world, r)
    return Renovation.objects.get(pk=r.pk)


def _queries(api, world, r, read):
    api.force_authenticate(world.cs)
    with CaptureQueriesContext(connection) as queries:
        response = read(r)
    assert response.status_code == 200, response.data
    return len(queries)


@pytest.mark.parametrize(
    "read",
    [
        lambda api: lambda r: api.get(reverse("api:renovation-detail", args=[r.pk])),
        lambda api: (
            lambda r: api.post(
                url("to-request", r), {"violation": r.violations.filter(request=None).first().pk}, format="json"
            )
        ),
    ],
    ids=["detail", "step"],
)
def test_an_application_costs_the_same_queries_with_3_or_10_workers(api, world, read):
    few = _with_workers(world, 3, world.room)
    many = _with_workers(world, 10, world.room2)
    assert many.workers.count() == 10 and WorkerPass.objects.filter(worker__renovation=many).count() == 10
    _queries(api, world, few, read(api))  # once before: the day's first request number, the caches
    assert _queries(api, world, many, read(api)) == _queries(api, world, few, read(api))


def test_the_list_costs_the_same_queries_for_3_or_10_applications(api, world):
    from tests.factories import make_room

    def listed():
        api.force_authenticate(world.cs)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(reverse("api:renovation-list"))
        assert response.status_code == 200
        return len(response.data["results"]), len(queries)

    for i in range(3):
        apply(world, room=make_room(world.project, "6", "1", f"{i + 1:02d}01"))
    three, few = listed()
    for i in range(3, 10):
        apply(world, room=make_room(world.project, "6", "1", f"{i + 1:02d}01"))
    ten, many = listed()
    assert (three, ten) == (3, 10) and many == few


def test_the_detail_lists_the_drawings_and_each_is_downloaded_with_the_api_token(api, world):
    """`files`: the drawings and violation photos, each with the `url` a client downloads it from
    with its token; another project's staff get 404 there."""
    from tests.factories import get_with_token

    r = apply(world)
    api.force_authenticate(world.cs)
    files = api.get(reverse("api:renovation-detail", args=[r.pk])).data["files"]
    assert [(f["kind"], f["content_type"]) for f in files] == [("drawing", "image/png")]
    response = get_with_token(world.cs, files[0]["url"])
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert get_with_token(world.outsider, files[0]["url"]).status_code == 404
