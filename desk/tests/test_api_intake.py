"""desk/api.py parse_intake answers exactly what IntakeSerializer answers (values and errors, in both
languages), without building a serializer per call; rules.allowed_actions lets through exactly
the actions rules.refusal lets through; core/auth.py's token check answers as DRF's does."""

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.choices import Role
from desk import rules
from desk.api import IntakeSerializer, parse_intake
from desk.choices import Kind, Severity, State, Validity
from desk.models import ServiceRequest

FIELDS = list(IntakeSerializer().fields)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=10**12),
    st.text(max_size=5),
    st.text(min_size=195, max_size=205),
    st.sampled_from(
        ["1", "x", "", " ", "complaint", "repair", "phone", "urgent", "valid", "invalid", "true", "0", "10"]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
PAYLOADS = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS + ["extra"]), VALUES, max_size=len(FIELDS) + 1),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=3),
    st.none(),
)


def serializer_answer(data):
    serializer = IntakeSerializer(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except serializers.ValidationError as exc:
        return "invalid", exc.detail
    return "valid", serializer.to_intake()


def parse_answer(data):
    try:
        return "valid", parse_intake(data)
    except serializers.ValidationError as exc:
        return "invalid", exc.detail


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=PAYLOADS, language=st.sampled_from(["zh-hans", "en"]))
def test_parse_intake_answers_as_the_serializer(data, language):
    with translation.override(language):
        assert parse_answer(data) == serializer_answer(data)


def test_a_full_intake_is_read_whole():
    data = {
        "project": 3,
        "kind": "repair",
        "title": "漏水",
        "description": "楼上",
        "channel": "walk_in",
        "category": 7,
        "severity": "major",
        "paid": True,
        "room": 11,
        "resident": 12,
        "caller_name": "张三",
        "caller_phone": "138 1234 5678",
        "location": "",
    }
    kind, intake = parse_answer(data)
    assert kind == "valid" and (intake.category_id, intake.paid, intake.room_id, intake.channel) == (
        7,
        True,
        11,
        "walk_in",
    )
    assert parse_answer({}) == serializer_answer({})
    assert set(parse_answer({})[1]) == {"project", "kind", "title"}


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    state=st.sampled_from(list(State)),
    kind=st.sampled_from(list(Kind)),
    severity=st.sampled_from(list(Severity)),
    validity=st.sampled_from(["", Validity.VALID, Validity.INVALID]),
    needs_visit=st.booleans(),
    # sent to a person, to a department with nobody named (engineering, or the desk's own), or not yet
    sent=st.sampled_from(["nobody", "tech", "engineering", "cs", "finance"]),
)
def test_allowed_actions_are_exactly_those_not_refused(world, state, kind, severity, validity, needs_visit, sent):
    assigned = sent == "tech"
    sr = ServiceRequest(
        project=world.project,
        kind=kind,
        severity=severity,
        validity=validity if kind == Kind.COMPLAINT else "",
        state=state,
        receiver=world.cs,
        department=world.tech.department if assigned else world.dept.get(sent),
        assignee=world.tech if assigned else None,
        implementer=world.tech if assigned and state >= State.RESOLVED else None,
        needs_return_visit=needs_visit,
    )
    for user in (world.cs, world.cs2, world.supervisor, world.manager, world.pm, world.lead, world.tech, world.tech2,
                 world.guard, world.finance, world.outsider, world.resident_user):  # fmt: skip
        expected = [action for action in rules.ACTION_ORDER if rules.refusal(user, sr, action) is None]
        assert rules.allowed_actions(user, sr) == expected, (user.username, state)


# ---------------------------------------------------------------- token authentication


def api(token=None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_good_token_signs_in_with_the_users_projects(world):
    token = Token.objects.create(user=world.cs).key
    response = api(token).get("/api/requests/")
    assert response.status_code == 200
    world.register()
    world.register_other()
    numbers = {row["project"]["id"] for row in api(token).get("/api/requests/").json()["results"]}
    assert numbers == {world.project.pk}


def test_an_unknown_token_and_an_inactive_user_get_drfs_answers(world):
    with translation.override("en"):
        response = api("0" * 40).get("/api/requests/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    token = Token.objects.create(user=world.cs2).key
    world.cs2.is_active = False
    world.cs2.save()
    response = api(token).get("/api/requests/")
    assert response.status_code == 401
    assert response.json()["code"] in {"authentication_failed", "error"}


def test_a_company_admin_sees_the_companys_projects_whatever_is_assigned(world):
    from core.models import User

    admin = User.objects.create_user(
        "boss", password="x", role=Role.COMPANY_ADMIN, company=world.company, display_name="老板"
    )
    token = Token.objects.create(user=admin).key
    world.register()
    world.register_other()
    rows = api(token).get("/api/requests/").json()["results"]
    assert {row["project"]["id"] for row in rows} == {world.project.pk, world.other_project.pk}
