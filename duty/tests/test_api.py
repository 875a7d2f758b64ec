"""The duty desk's steps under /api/duty/ (duty/api.py): key loans, swaps and handovers, each the
page's service. Who may open each URL is the access matrix's (tests/test_access_matrix.py); here:
what each step does, refusals that change nothing, another project's records, bad input and a
replayed Idempotency-Key."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from duty import services
from duty.choices import AssignmentState, HandoverState, ItemAnswer, SwapState
from duty.models import Assignment, Handover, KeyLoan, SwapRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def post(api, user, name, pk=None, body=None, **headers):
    api.force_authenticate(user)
    url = reverse(f"api:{name}", args=[pk] if pk is not None else None)
    return api.post(url, body or {}, format="json", **headers)


def _lend(world, key, **kw):
    due = (timezone.now() + timedelta(hours=2)).isoformat()
    return {"key": key.pk, "borrower_name": "孙师傅", "purpose": "检修", "due_back": due} | kw


# ---------------------------------------------------------------- keys


def test_the_desk_lends_a_key_once_per_request_key_and_takes_it_back(api, world, key):
    body = _lend(world, key)
    lent = post(api, world.cs, "duty-key-loan-list", body=body, HTTP_IDEMPOTENCY_KEY="lend-1")
    again = post(api, world.cs, "duty-key-loan-list", body=body, HTTP_IDEMPOTENCY_KEY="lend-1")
    assert lent.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert KeyLoan.objects.count() == 1 and lent.data["key_code"] == "K01"
    twice = post(api, world.cs2, "duty-key-loan-list", body=body)
    assert twice.status_code == 403 and KeyLoan.objects.count() == 1  # out already
    api.force_authenticate(world.cs)
    assert [row["id"] for row in api.get(reverse("api:duty-key-loan-list"), {"out": "true"}).data["results"]] == [
        lent.data["id"]
    ]
    back = post(api, world.cs2, "duty-key-loan-return", lent.data["id"], {"note": "完好"})
    assert back.status_code == 200 and back.data["returned_to"] == world.cs2.pk and back.data["return_note"] == "完好"
    assert post(api, world.cs2, "duty-key-loan-return", lent.data["id"]).status_code == 403  # returned already


def test_lending_refusals_change_nothing(api, world, key, other_key):
    bad = post(api, world.cs, "duty-key-loan-list", body=_lend(world, key, due_back=None, purpose=""))
    assert bad.status_code == 400 and {"due_back", "purpose"} <= set(bad.data["errors"])
    past = post(api, world.cs, "duty-key-loan-list", body=_lend(world, key, due_back="2020-01-01T08:00:00+08:00"))
    assert past.status_code == 400 and "due_back" in past.data["errors"]
    assert post(api, world.cs, "duty-key-loan-list", body=_lend(world, other_key)).status_code == 404
    assert post(api, world.pm, "duty-key-loan-list", body=_lend(world, key)).status_code == 403  # views, not keeps
    assert post(api, world.tech, "duty-key-loan-list", body=_lend(world, key)).status_code == 403
    assert not KeyLoan.objects.exists()


def test_a_loan_is_taken_back_by_the_desk_of_its_project(api, world, key):
    loan = services.key_lend(
        actor=world.cs, key=key, borrower_name="孙师傅", purpose="检修", due_back=timezone.now() + timedelta(hours=1)
    )
    assert post(api, world.pm, "duty-key-loan-return", loan.pk).status_code == 403
    assert post(api, world.outsider, "duty-key-loan-return", loan.pk).status_code == 404
    assert KeyLoan.objects.get().returned_at is None


# ---------------------------------------------------------------- swaps


@pytest.fixture
def assignment(world, shifts):
    day = timezone.localdate() + timedelta(days=2)
    return services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.cs
    )


def test_a_swap_is_asked_approved_and_the_cover_put_on_the_roster(api, world, assignment):
    asked = post(
        api, world.cs, "duty-swap-list", body={"assignment": assignment.pk, "cover": world.cs2.pk, "reason": "家里有事"}
    )
    assert (
        asked.status_code == 201 and asked.data["state"] == SwapState.PENDING and asked.data["asked_by"] == world.cs.pk
    )
    approved = post(api, world.supervisor, "duty-swap-approve", asked.data["id"])
    assert approved.status_code == 200 and approved.data["state"] == SwapState.APPROVED
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.SWAPPED
    assert Assignment.objects.get(state=AssignmentState.ACTIVE).user == world.cs2


def test_swap_refusals_change_nothing(api, world, assignment):
    body = {"assignment": assignment.pk, "cover": world.cs2.pk, "reason": "家里有事"}
    assert post(api, world.cs2, "duty-swap-list", body=body).status_code == 403  # not their shift
    assert post(api, world.outsider, "duty-swap-list", body=body).status_code == 404
    stranger = post(api, world.cs, "duty-swap-list", body={**body, "cover": world.outsider.pk})
    assert stranger.status_code == 400 and "cover" in stranger.data["errors"]
    assert not SwapRequest.objects.exists()
    swap = services.swap_request(actor=world.cs, assignment=assignment, cover=world.cs2, reason="家里有事")
    assert post(api, world.cs, "duty-swap-approve", swap.pk).status_code == 403  # not a roster editor
    assert post(api, world.supervisor, "duty-swap-withdraw", swap.pk).status_code == 403  # not who asked
    unexplained = post(api, world.supervisor, "duty-swap-reject", swap.pk, {"note": ""})
    assert unexplained.status_code == 400 and "note" in unexplained.data["errors"]
    assert post(api, world.outsider, "duty-swap-approve", swap.pk).status_code == 404
    assert SwapRequest.objects.get().state == SwapState.PENDING
    rejected = post(api, world.supervisor, "duty-swap-reject", swap.pk, {"note": "人手不够"})
    assert rejected.status_code == 200 and rejected.data["decision_note"] == "人手不够"
    assert post(api, world.cs, "duty-swap-withdraw", swap.pk).status_code == 403  # decided already
    assert SwapRequest.objects.get().state == SwapState.REJECTED


def test_who_asked_withdraws(api, world, assignment):
    swap = services.swap_request(actor=world.cs, assignment=assignment, cover=world.cs2, reason="家里有事")
    withdrawn = post(api, world.cs, "duty-swap-withdraw", swap.pk)
    assert withdrawn.status_code == 200 and withdrawn.data["state"] == SwapState.WITHDRAWN


# ---------------------------------------------------------------- handovers


@pytest.fixture
def handover(world, key, things):
    """Started by cs to cs2, with a key out (an item to answer) and two things to count."""
    services.key_lend(
        actor=world.cs, key=key, borrower_name="孙师傅", purpose="检修", due_back=timezone.now() + timedelta(hours=1)
    )
    return services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)


def test_a_handover_from_start_to_sign_in(api, world, key, things):
    services.key_lend(
        actor=world.cs, key=key, borrower_name="孙师傅", purpose="检修", due_back=timezone.now() + timedelta(hours=1)
    )
    started = post(api, world.cs, "duty-handover-list", body={"project": world.project.pk, "incoming": world.cs2.pk})
    assert started.status_code == 201 and started.data["state"] == HandoverState.DRAFT
    pk, counts, items = started.data["id"], started.data["counts"], started.data["items"]
    assert len(counts) == 2 and len(items) >= 1
    unsigned = post(api, world.cs, "duty-handover-sign-out", pk)
    assert unsigned.status_code == 400  # the counts are not entered yet
    rows = [
        {"count": counts[0]["id"], "counted": "4"},
        {"count": counts[1]["id"], "counted": "480", "explanation": "买水"},
    ]
    saved = post(api, world.cs, "duty-handover-save", pk, {"notes": "无异常", "counts": rows})
    assert (
        saved.status_code == 200 and saved.data["notes"] == "无异常" and saved.data["counts"][1]["counted"] == "480.00"
    )
    assert post(api, world.cs, "duty-handover-sign-out", pk).data["state"] == HandoverState.OUTGOING_SIGNED
    early = post(api, world.cs2, "duty-handover-sign-in", pk)
    assert early.status_code == 403  # items still to answer
    first = post(
        api, world.cs2, "duty-handover-answer", pk, {"item": items[0]["id"], "accept": False, "reason": "钥匙不在"}
    )
    assert first.status_code == 200 and first.data["answer"] == ItemAnswer.REFUSED
    assert post(api, world.cs2, "duty-handover-ack-all", pk).status_code == 200
    signed = post(api, world.cs2, "duty-handover-sign-in", pk, {"comment": "已接班"})
    assert signed.status_code == 200 and signed.data["state"] == HandoverState.COMPLETED
    assert signed.data["incoming_comment"] == "已接班"


def test_handover_refusals_change_nothing(api, world, handover):
    pk = handover.pk
    assert post(api, world.cs2, "duty-handover-save", pk, {"notes": "改一下"}).status_code == 403  # not outgoing
    assert post(api, world.cs2, "duty-handover-sign-out", pk).status_code == 403
    item = handover.items.first()
    assert post(api, world.cs2, "duty-handover-answer", pk, {"item": item.pk}).status_code == 403  # not signed out
    assert post(api, world.outsider, "duty-handover-save", pk, {"notes": "x"}).status_code == 404
    assert post(api, world.tech, "duty-handover-cancel", pk, {"reason": "x"}).status_code == 403
    assert post(api, world.cs2, "duty-handover-cancel", pk, {"reason": "x"}).status_code == 403
    assert post(api, world.cs, "duty-handover-cancel", pk, {"reason": ""}).status_code == 400
    h = Handover.objects.get()
    assert h.state == HandoverState.DRAFT and h.notes == "" and not h.items.exclude(answer=ItemAnswer.PENDING).exists()
    again = post(api, world.cs, "duty-handover-list", body={"project": world.project.pk, "incoming": world.cs2.pk})
    assert again.status_code == 403 and Handover.objects.count() == 1  # one open handover at a time
    assert (
        post(
            api, world.pm, "duty-handover-list", body={"project": world.project.pk, "incoming": world.cs2.pk}
        ).status_code
        == 403
    )
    alien = post(
        api, world.cs, "duty-handover-list", body={"project": world.other_project.pk, "incoming": world.cs2.pk}
    )
    assert alien.status_code == 404
    cancelled = post(api, world.supervisor, "duty-handover-cancel", pk, {"reason": "选错接班人"})
    assert cancelled.status_code == 200 and cancelled.data["state"] == HandoverState.CANCELLED


def test_a_step_only_the_desk_may_take_is_refused_with_the_guards_message(api, world, key):
    """keeper and handover_starter are asked inside create (a GET of the list is the viewer's):
    DRF's 403 with the guard's message, nothing made."""
    lend = post(api, world.pm, "duty-key-loan-list", body=_lend(world, key))
    assert lend.status_code == 403
    assert lend.json() == {"detail": "只有客服前台/值班人员可以办理。", "code": "permission_denied"}
    start = post(api, world.pm, "duty-handover-list", body={"project": world.project.pk, "incoming": world.cs2.pk})
    assert start.status_code == 403
    assert start.json() == {"detail": "只有客服前台/值班人员可以发起交接班。", "code": "permission_denied"}
    assert not KeyLoan.objects.exists() and not Handover.objects.exists()


def test_a_save_with_an_absurd_number_of_counts_is_refused_and_changes_nothing(api, world, handover):
    count = handover.counts.first()
    rows = [{"count": count.pk, "counted": "4"}] * 101
    refused = post(api, world.cs, "duty-handover-save", handover.pk, {"notes": "无异常", "counts": rows})
    assert refused.status_code == 400 and "100" in str(refused.data["errors"]["counts"])
    h = Handover.objects.get()
    assert h.notes == "" and not h.counts.exclude(counted=None).exists()
    saved = post(api, world.cs, "duty-handover-save", handover.pk, {"notes": "无异常", "counts": rows[:100]})
    assert saved.status_code == 200 and h.counts.get(pk=count.pk).counted == 4
