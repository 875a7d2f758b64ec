"""The steps of patrols and incidents under /api/ (safety/api.py): each the page's service, the
record found as the page finds it. Who may open each URL is the access matrix's
(tests/test_access_matrix.py); here: what each step does, refusals that change nothing, records
of another project, bad input and a replayed Idempotency-Key."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from desk.models import ServiceRequest
from safety import services
from safety.choices import FindingState, IncidentState, RunState, StopState
from safety.models import Finding, Incident, PatrolRun, RunStop, StopPhoto
from tests.factories import get_with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def post(api, user, name, pk=None, body=None, **headers):
    api.force_authenticate(user)
    url = reverse(f"api:{name}", args=[pk] if pk is not None else None)
    return api.post(url, body or {}, format="json", **headers)


# ---------------------------------------------------------------- patrols


@pytest.fixture
def run(world, patrol):
    route, _fire, _bins = patrol
    return services.run_start(actor=world.guard, route=route)


def test_a_guard_walks_a_run_from_start_to_finish(api, world, patrol):
    route, fire, bins = patrol
    started = post(api, world.guard, "patrol-run-list", body={"route": route.pk})
    assert started.status_code == 201 and started.data["state"] == RunState.IN_PROGRESS
    assert [s["point_code"] for s in started.data["stops"]] == ["F01", "S01"]
    assert started.data["stops"][0]["items"] == fire.items
    pk = started.data["id"]
    checked = post(
        api,
        world.guard,
        "patrol-run-check",
        pk,
        {
            "code": "f01",  # the code on the card, any case, as the page's search
            "results": [
                {"item": fire.items[0], "ok": True},
                {"item": fire.items[1], "ok": False, "note": "纸箱堵住消防栓"},
            ],
        },
    )
    assert checked.status_code == 200, checked.data
    stop = checked.data["stops"][0]
    assert stop["state"] == StopState.DONE and [f["note"] for f in stop["findings"]] == ["纸箱堵住消防栓"]
    assert checked.data["findings_count"] == 1
    normal = post(api, world.guard, "patrol-run-all-normal", pk, {"stop": checked.data["stops"][1]["id"]})
    assert normal.status_code == 200 and normal.data["stops"][1]["state"] == StopState.DONE
    finished = post(api, world.guard, "patrol-run-finish", pk, {"note": "一切正常"})
    assert finished.status_code == 200 and finished.data["state"] == RunState.DONE
    assert finished.data["points_missed"] == 0 and finished.data["note"] == "一切正常"


def test_the_desk_sees_a_run_but_may_not_walk_it(api, world, run):
    stop = run.stops.first()
    for name, body in (
        ("patrol-run-check", {"stop": stop.pk, "results": [{"item": i, "ok": True} for i in stop.point.items]}),
        ("patrol-run-all-normal", {"stop": stop.pk}),
        ("patrol-run-finish", {}),
    ):
        response = post(api, world.cs, name, run.pk, body)
        assert response.status_code == 403, (name, response.data)
    started = post(api, world.cs, "patrol-run-list", body={"route": run.route_id})
    assert started.status_code == 403
    assert RunStop.objects.filter(run=run, state=StopState.PENDING).count() == 2
    assert PatrolRun.objects.get().state == RunState.IN_PROGRESS


def test_a_check_with_an_absurd_number_of_results_is_refused_and_changes_nothing(api, world, run):
    """No check list holds more than 1000 checks (2000 characters): a longer list is refused unread."""
    stop = run.stops.first()
    every = [{"item": item, "ok": True} for item in stop.point.items]  # every check answered: the list's length refused
    results = every + [every[0]] * (1001 - len(every))
    refused = post(api, world.guard, "patrol-run-check", run.pk, {"stop": stop.pk, "results": results})
    assert refused.status_code == 400 and "1000" in str(refused.data["errors"]["results"])
    stop.refresh_from_db()
    assert stop.state == StopState.PENDING and not Finding.objects.exists()


@pytest.mark.parametrize("who", ["tech", "outsider"])
def test_a_run_not_theirs_to_see_is_a_404(api, world, run, who):
    """The engineering technician does not see the security route; project B's desk not project A."""
    user = getattr(world, who)
    assert post(api, user, "patrol-run-finish", run.pk).status_code == 404
    assert post(api, user, "patrol-run-all-normal", run.pk, {"code": "F01"}).status_code == 404
    assert post(api, user, "patrol-run-list", body={"route": run.route_id}).status_code == 404
    assert PatrolRun.objects.get().state == RunState.IN_PROGRESS


def _png(name="消防栓.png"):
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def _check_form(fire, **kw):
    results = [{"item": fire.items[0], "ok": True}, {"item": fire.items[1], "ok": False, "note": "纸箱堵住"}]
    return {"code": "F01", "results": json.dumps(results, ensure_ascii=False)} | kw


def test_a_stop_check_with_photos_as_multipart_once_per_key(api, world, patrol, run):
    _route, fire, _bins = patrol
    api.force_authenticate(world.guard)
    url = reverse("api:patrol-run-check", args=[run.pk])
    body = _check_form(fire, photos=[_png(), _png("第二张.png")])
    checked = api.post(url, body, format="multipart", HTTP_IDEMPOTENCY_KEY="c-1")
    assert checked.status_code == 200, checked.data
    stop = checked.data["stops"][0]
    assert stop["state"] == StopState.DONE and [f["note"] for f in stop["findings"]] == ["纸箱堵住"]
    assert [p["name"] for p in stop["photos"]] == ["消防栓.png", "第二张.png"]
    # each photo's `url` is downloaded with the API's token, by who may see the run only
    photo_url = stop["photos"][0]["url"]
    assert get_with_token(world.guard, photo_url).status_code == 200
    assert get_with_token(world.outsider, photo_url).status_code == 404
    again = api.post(url, _check_form(fire, photos=[_png(), _png("第二张.png")]), format="multipart",
                     HTTP_IDEMPOTENCY_KEY="c-1")  # fmt: skip
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert StopPhoto.objects.count() == 2 and Finding.objects.count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"photos": [SimpleUploadedFile("x.png", b"<html>no</html>", content_type="image/png")]}, "photos"),
        ({"photos": [_png(f"{n}.png") for n in range(7)]}, "photos"),  # the page's limit: 6 a stop
        ({"results": "[{not json"}, "results"),
        ({"results": json.dumps([{"item": "灭火器压力正常", "ok": True}], ensure_ascii=False)}, "results"),
    ],
)
def test_a_bad_multipart_stop_check_changes_nothing(api, world, patrol, run, change, field):
    _route, fire, _bins = patrol
    api.force_authenticate(world.guard)
    body = _check_form(fire, photos=[_png()]) | change
    response = api.post(reverse("api:patrol-run-check", args=[run.pk]), body, format="multipart")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not StopPhoto.objects.exists() and not Finding.objects.exists()
    assert not RunStop.objects.exclude(state=StopState.PENDING).exists()


def test_who_may_not_walk_may_not_send_photos_either(api, world, patrol, run):
    _route, fire, _bins = patrol
    url = reverse("api:patrol-run-check", args=[run.pk])
    for user, code in ((world.cs, 403), (world.tech, 404), (world.outsider, 404)):
        api.force_authenticate(user)
        assert api.post(url, _check_form(fire, photos=[_png()]), format="multipart").status_code == code, user
    assert not StopPhoto.objects.exists() and not RunStop.objects.exclude(state=StopState.PENDING).exists()


def test_refused_steps_change_nothing(api, world, run):
    route = run.route
    again = post(api, world.guard, "patrol-run-list", body={"route": route.pk})
    assert again.status_code == 409 and PatrolRun.objects.count() == 1  # one run at a time per route
    unanswered = post(api, world.guard, "patrol-run-check", run.pk, {"code": "F01", "results": []})
    assert unanswered.status_code == 400 and "results" in unanswered.data["errors"]
    no_note = post(
        api,
        world.guard,
        "patrol-run-check",
        run.pk,
        {"code": "S01", "results": [{"item": "地面清洁", "ok": False}]},
    )
    assert no_note.status_code == 400 and "note" in no_note.data["errors"]
    unknown = post(api, world.guard, "patrol-run-all-normal", run.pk, {"code": "X99"})
    assert unknown.status_code == 400 and "code" in unknown.data["errors"]
    nothing = post(api, world.guard, "patrol-run-all-normal", run.pk, {})
    assert nothing.status_code == 400 and "stop" in nothing.data["errors"]
    assert not RunStop.objects.exclude(state=StopState.PENDING).exists() and not Finding.objects.exists()
    assert post(api, world.guard, "patrol-run-all-normal", run.pk, {"code": "S01"}).status_code == 200
    twice = post(api, world.guard, "patrol-run-all-normal", run.pk, {"code": "S01"})
    assert twice.status_code == 403  # already checked
    assert post(api, world.guard, "patrol-run-finish", run.pk).status_code == 200
    after = post(api, world.guard, "patrol-run-all-normal", run.pk, {"code": "F01"})
    assert after.status_code == 403 and RunStop.objects.get(run=run, point__code="F01").state == StopState.MISSED


def test_finishing_is_idempotent_per_key(api, world, run):
    first = post(api, world.guard, "patrol-run-finish", run.pk, {"note": "完成"}, HTTP_IDEMPOTENCY_KEY="fin-1")
    again = post(api, world.guard, "patrol-run-finish", run.pk, {"note": "完成"}, HTTP_IDEMPOTENCY_KEY="fin-1")
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.data == first.data
    other = post(api, world.guard, "patrol-run-finish", run.pk, {"note": "别的"}, HTTP_IDEMPOTENCY_KEY="fin-1")
    assert other.status_code == 409 and PatrolRun.objects.get().note == "完成"


def _finding(world, run):
    stop = run.stops.get(point__code="S01")
    services.stop_check(actor=world.guard, stop=stop, results=[{"item": "地面清洁", "ok": False, "note": "垃圾满溢"}])
    return stop.findings.get()


def test_the_desk_turns_a_finding_into_a_request_and_the_guard_hands_one_over(api, world, run):
    finding = _finding(world, run)
    api.force_authenticate(world.cs)
    listed = api.get(reverse("api:patrol-finding-list"))
    assert [f["id"] for f in listed.data["results"]] == [finding.pk]
    handed = post(api, world.guard, "patrol-finding-request", finding.pk, {"kind": "repair"})
    assert handed.status_code == 200 and handed.data["state"] == FindingState.HANDED
    assert handed.data["request"] is None and not ServiceRequest.objects.exists()
    again = post(api, world.guard, "patrol-finding-request", finding.pk, {"kind": "repair"})
    assert again.status_code == 403  # handed already: the desk registers it
    made = post(api, world.cs, "patrol-finding-request", finding.pk, {"kind": "repair"})
    assert made.status_code == 200 and made.data["state"] == FindingState.REQUESTED
    assert made.data["request"] == ServiceRequest.objects.get().pk


def test_a_finding_request_refusals(api, world, run):
    finding = _finding(world, run)
    bad = post(api, world.cs, "patrol-finding-request", finding.pk, {"kind": "consult"})
    assert bad.status_code == 400 and "kind" in bad.data["errors"]
    foreign = post(api, world.cs, "patrol-finding-request", finding.pk, {"kind": "repair", "category": 10**9})
    assert foreign.status_code == 400 and "category" in foreign.data["errors"]
    assert post(api, world.tech, "patrol-finding-request", finding.pk, {"kind": "repair"}).status_code == 403
    assert post(api, world.outsider, "patrol-finding-request", finding.pk, {"kind": "repair"}).status_code == 404
    assert Finding.objects.get().state == FindingState.NEW and not ServiceRequest.objects.exists()


# ---------------------------------------------------------------- incidents


@pytest.fixture
def incident(world):
    """A flood whose call tree names the engineering lead (and, by default, nobody else)."""
    services.call_tree_save(actor=world.supervisor, project=world.project, kind="flood", entries=[{"user": world.lead}])
    return services.incident_start(actor=world.cs, project=world.project, kind="flood", title="水管爆裂", place="5栋")


def test_an_incident_from_report_to_close(api, world, incident):
    pk = incident.pk
    acked = post(api, world.lead, "incident-ack", pk)
    assert acked.status_code == 200 and acked.data["calls"][0]["acked_at"] is not None
    noted = post(api, world.lead, "incident-note", pk, {"text": "已关总阀"})
    assert noted.status_code == 200 and noted.data["entries"][-1]["text"] == "已关总阀"
    request = world.register(title="地下室进水")
    linked = post(api, world.cs, "incident-link", pk, {"requests": [request.pk]})
    assert linked.status_code == 200 and linked.data["requests"] == [request.pk]
    resolved = post(api, world.cs, "incident-resolve", pk, {"text": "已抢修完毕"})
    assert resolved.status_code == 200 and resolved.data["state"] == IncidentState.RESOLVED
    review = {"cause": "水管老化", "went_well": "十分钟到场", "to_improve": "备用阀门"}
    reviewed = post(api, world.supervisor, "incident-review", pk, review)
    assert reviewed.status_code == 200 and reviewed.data["cause"] == "水管老化"
    closed = post(api, world.supervisor, "incident-close", pk)
    assert closed.status_code == 200 and closed.data["state"] == IncidentState.CLOSED
    assert [e["kind"] for e in closed.data["entries"]] == [
        "report", "notify", "ack", "action", "link", "resolve", "review", "close",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "who,name,body",
    [
        ("cs", "incident-ack", None),  # not on the call list
        ("lead", "incident-resolve", {"text": "好了"}),  # called, but not the desk
        ("lead", "incident-link", {"requests": [1]}),
        ("cs", "incident-review", {"cause": "a", "went_well": "b", "to_improve": "c"}),  # supervisors only
        ("cs", "incident-close", None),
    ],
)
def test_a_role_that_sees_but_may_not_act_is_a_403(api, world, incident, who, name, body):
    if name == "incident-link":
        body = {"requests": [world.register().pk]}
    before = incident.entries.count()
    response = post(api, getattr(world, who), name, incident.pk, body)
    assert response.status_code == 403, response.data
    assert Incident.objects.get().state == IncidentState.OPEN and incident.entries.count() == before


@pytest.mark.parametrize("who", ["tech", "outsider"])
def test_an_incident_not_theirs_to_see_is_a_404(api, world, incident, who):
    """The technician is not called; project B's desk does not see project A's incidents."""
    for name, body in (("incident-note", {"text": "x"}), ("incident-resolve", {"text": "x"}), ("incident-ack", {})):
        assert post(api, getattr(world, who), name, incident.pk, body).status_code == 404
    assert incident.entries.count() == 2 and Incident.objects.get().state == IncidentState.OPEN


def test_steps_out_of_order_are_refused_and_change_nothing(api, world, incident):
    review = {"cause": "a", "went_well": "b", "to_improve": "c"}
    assert post(api, world.supervisor, "incident-review", incident.pk, review).status_code == 403  # not resolved
    assert post(api, world.supervisor, "incident-close", incident.pk).status_code == 403
    empty = post(api, world.cs, "incident-resolve", incident.pk, {"text": ""})
    assert empty.status_code == 400 and "text" in empty.data["errors"]
    elsewhere = world.register_other()
    foreign = post(api, world.cs, "incident-link", incident.pk, {"requests": [elsewhere.pk]})
    assert foreign.status_code == 400 and "requests" in foreign.data["errors"]
    assert Incident.objects.get().state == IncidentState.OPEN and not incident.links.exists()
    post(api, world.cs, "incident-resolve", incident.pk, {"text": "好了"})
    assert post(api, world.supervisor, "incident-close", incident.pk).status_code == 403  # not reviewed
    assert Incident.objects.get().state == IncidentState.RESOLVED


def test_a_note_replayed_under_its_key_is_written_once(api, world, incident):
    headers = {"HTTP_IDEMPOTENCY_KEY": "note-1"}
    first = post(api, world.lead, "incident-note", incident.pk, {"text": "已到场"}, **headers)
    again = post(api, world.lead, "incident-note", incident.pk, {"text": "已到场"}, **headers)
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert incident.entries.filter(text="已到场").count() == 1
