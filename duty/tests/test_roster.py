from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ActionRefused
from core.models import Notification
from duty import selectors, services
from duty.choices import AssignmentState, SwapState
from duty.models import Assignment, Shift, SwapRequest
from tests.factories import make_user

TZ = timezone.get_fixed_timezone(8 * 60)


def local(y, m, d, h, mi=0):
    return timezone.make_aware(datetime(y, m, d, h, mi), timezone.get_current_timezone())


@given(
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    end=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)
@settings(max_examples=200, deadline=None)
def test_a_shift_window_starts_on_its_day_and_lasts_under_a_day(start, end, day):
    if start == end:
        return
    shift = Shift(name="x", start=start, end=end)
    begin, finish = shift.window(day)
    assert timezone.localtime(begin).date() == day
    assert timezone.localtime(begin).time() == start
    assert timezone.localtime(finish).time() == end
    assert timedelta(0) < finish - begin <= timedelta(hours=24) + timedelta(hours=1)  # DST-free zone
    assert shift.crosses_midnight == (timezone.localtime(finish).date() > day)


def test_who_is_on_duty_now_includes_a_shift_that_began_yesterday(world, shifts):
    day = date(2026, 11, 26)
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["middle"], user=world.cs
    )
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.cs2
    )
    # 23:30 on the 26th: the middle shift (16:00–00:00).
    on = selectors.on_duty(world.project, local(2026, 11, 26, 23, 30))
    assert [(s.name, [a.user for a in people]) for s, people in on] == [("中班", [world.cs])]
    # 10:00: the early shift.
    on = selectors.on_duty(world.project, local(2026, 11, 26, 10))
    assert [(s.name, [a.user for a in people]) for s, people in on] == [("早班", [world.cs2])]
    # 00:00 of the 27th: the middle shift has ended, nobody is on the night shift.
    assert selectors.on_duty(world.project, local(2026, 11, 27, 0)) == []


def test_a_shift_crossing_midnight_covers_the_next_morning(world):
    night = Shift.objects.create(project=world.project, name="大夜班", start=time(22), end=time(6))
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=date(2026, 11, 26), shift=night, user=world.cs
    )
    on = selectors.on_duty(world.project, local(2026, 11, 27, 5, 59))
    assert [a.user for _s, people in on for a in people] == [world.cs]
    assert selectors.on_duty(world.project, local(2026, 11, 27, 6)) == []


def test_only_supervisors_plan_the_roster(world, shifts):
    day = date(2026, 11, 26)
    for actor in (world.cs, world.tech, world.outsider):
        with pytest.raises(ActionRefused):
            services.assignment_add(actor=actor, project=world.project, day=day, shift=shifts["early"], user=world.cs)
    assert not Assignment.objects.exists()


def test_the_roster_holds_the_projects_desk_and_department_staff_once_per_shift(world, shifts):
    day = date(2026, 11, 26)
    for person in (world.finance, world.pm, world.outsider, world.resident_user):
        with pytest.raises(ValidationError) as exc:
            services.assignment_add(
                actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=person
            )
        assert "user" in exc.value.message_dict
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.cs
    )
    with pytest.raises(ValidationError):
        services.assignment_add(
            actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.cs
        )
    other_shift = Shift.objects.create(project=world.other_project, name="早班", start=time(8), end=time(16))
    with pytest.raises(ValidationError):
        services.assignment_add(
            actor=world.supervisor, project=world.project, day=day, shift=other_shift, user=world.cs2
        )
    assert Assignment.objects.count() == 1
    # the departments' people are rostered too: dispatch reads who of them is on duty
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.tech
    )
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["night"], user=world.lead
    )
    assert Assignment.objects.count() == 3


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=TZ), tick=False)
def test_a_swap_is_asked_approved_and_kept_in_history(world, shifts):
    day = date(2026, 11, 27)
    a = services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.cs
    )
    swap = services.swap_request(actor=world.cs, assignment=a, cover=world.cs2, reason="家里有事")
    assert swap.state == SwapState.PENDING
    assert Notification.objects.filter(user=world.supervisor, title__contains="调班申请").exists()
    # The asker cannot approve; nor the person covering.
    for actor in (world.cs, world.cs2):
        with pytest.raises(ActionRefused):
            services.swap_decide(actor=actor, swap=swap, approve=True)
    services.swap_decide(actor=world.supervisor, swap=swap, approve=True, note="同意")
    a.refresh_from_db()
    swap.refresh_from_db()
    assert a.state == AssignmentState.SWAPPED and a.ended_by == world.supervisor
    assert swap.state == SwapState.APPROVED and swap.decided_by == world.supervisor
    cover = Assignment.objects.get(state=AssignmentState.ACTIVE)
    assert (cover.user, cover.day, cover.shift, cover.via_swap) == (world.cs2, day, shifts["early"], swap)
    # Both rows stay: the roster's history shows who was swapped out, and the swap list shows the request.
    assert selectors.roster_history(world.project) == [a]
    assert selectors.swaps(world.project) == [swap]
    assert Notification.objects.filter(user=world.cs, title__contains="调班已批准").exists()
    # Deciding twice is refused.
    with pytest.raises(ActionRefused):
        services.swap_decide(actor=world.manager, swap=swap, approve=False, note="不同意")


@time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=TZ), tick=False)
def test_swap_refusals(world, shifts):
    day = date(2026, 11, 27)
    a = services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.cs
    )
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=day, shift=shifts["early"], user=world.cs2
    )
    with pytest.raises(ActionRefused):  # somebody else's shift
        services.swap_request(actor=world.cs2, assignment=a, cover=world.cs2, reason="x")
    with pytest.raises(ValidationError):  # the cover is already on that shift
        services.swap_request(actor=world.cs, assignment=a, cover=world.cs2, reason="x")
    with pytest.raises(ValidationError) as exc:  # a technician cannot cover the desk: another department
        services.swap_request(actor=world.cs, assignment=a, cover=world.tech, reason="x")
    assert "同一个部门" in str(exc.value.message_dict["cover"])
    with pytest.raises(ValidationError):  # a reason is needed
        services.swap_request(actor=world.cs, assignment=a, cover=world.supervisor, reason=" ")
    lobby = make_user("lobby", "lobby", [world.project], company=world.company)
    swap = services.swap_request(actor=world.cs, assignment=a, cover=lobby, reason="病假")
    with pytest.raises(ActionRefused):  # one pending request per shift
        services.swap_request(actor=world.cs, assignment=a, cover=lobby, reason="病假")
    with pytest.raises(ValidationError):  # rejecting needs a reason
        services.swap_decide(actor=world.supervisor, swap=swap, approve=False, note="")
    services.swap_decide(actor=world.supervisor, swap=swap, approve=False, note="人手不够")
    a.refresh_from_db()
    assert a.state == AssignmentState.ACTIVE
    assert SwapRequest.objects.get().state == SwapState.REJECTED
    with time_machine.travel(datetime(2026, 11, 27, 17, 0, tzinfo=TZ)):
        with pytest.raises(ActionRefused):  # the shift is over
            services.swap_request(actor=world.cs, assignment=a, cover=lobby, reason="补申请")


def test_removing_an_assignment_keeps_it(world, shifts):
    a = services.assignment_add(
        actor=world.supervisor, project=world.project, day=date(2026, 11, 27), shift=shifts["early"], user=world.cs
    )
    with pytest.raises(ValidationError):
        services.assignment_remove(actor=world.supervisor, assignment=a, reason="")
    with pytest.raises(ActionRefused):
        services.assignment_remove(actor=world.cs, assignment=a, reason="不想上")
    services.assignment_remove(actor=world.supervisor, assignment=a, reason="排错了")
    a.refresh_from_db()
    assert (a.state, a.end_reason, a.ended_by) == (AssignmentState.REMOVED, "排错了", world.supervisor)
    # The same person may be put on the same shift again: the old row stays.
    services.assignment_add(
        actor=world.supervisor, project=world.project, day=a.day, shift=shifts["early"], user=world.cs
    )
    assert Assignment.objects.filter(user=world.cs).count() == 2


def test_shift_definitions_are_validated_and_audited(world):
    with pytest.raises(ValidationError) as exc:
        services.shift_save(actor=world.supervisor, project=world.project, name="", start=time(8), end=time(8))
    assert {"name", "end"} <= set(exc.value.message_dict)
    with pytest.raises(ActionRefused):
        services.shift_save(actor=world.cs, project=world.project, name="早班", start=time(8), end=time(16))
    s = services.shift_save(actor=world.supervisor, project=world.project, name="中班", start=time(16), end=time(0))
    assert s.crosses_midnight
    with pytest.raises(ValidationError):
        services.shift_save(actor=world.supervisor, project=world.project, name="中班", start=time(15), end=time(23))
    services.shift_save(
        actor=world.supervisor, project=world.project, name="中班", start=time(15), end=time(23), shift=s
    )
    s.refresh_from_db()
    assert (s.start, s.end) == (time(15), time(23))
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="duty.Shift", object_id=str(s.pk)).count() == 2


# ------------------------------------------------------------------ pages


def test_roster_page_cast(client, world, shifts):
    url = reverse("duty:roster", args=[world.project.pk])
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    client.force_login(world.tech)
    assert client.get(url).status_code == 403
    client.force_login(world.resident_user)  # lives in the project, but the duty pages are staff's
    assert client.get(url).status_code == 403
    client.force_login(world.cs)
    r = client.get(url)
    assert r.status_code == 200 and "早班" in r.content.decode()
    assert 'id="assign"' not in r.content.decode()  # staff see, supervisors edit
    # Staff cannot post an assignment either.
    r = client.post(
        reverse("duty:assign", args=[world.project.pk]),
        {"day": "2026-11-27", "shift": shifts["early"].pk, "user": world.cs.pk},
    )
    assert r.status_code == 403 and not Assignment.objects.exists()
    client.force_login(world.supervisor)
    assert 'id="assign"' in client.get(url).content.decode()
    r = client.post(
        reverse("duty:assign", args=[world.project.pk]),
        {"day": "2026-11-27", "shift": shifts["early"].pk, "user": world.cs.pk},
    )
    assert r.status_code == 302 and Assignment.objects.get().user == world.cs


def test_roster_month_page_query_count_is_bounded(client, world, shifts, django_assert_max_num_queries):
    start = date(2026, 11, 1)
    people = [world.cs, world.cs2, world.supervisor]
    for i in range(30):
        for j, shift in enumerate(shifts.values()):
            Assignment.objects.create(
                project=world.project,
                day=start + timedelta(days=i),
                shift=shift,
                user=people[(i + j) % 3],
                created_by=world.supervisor,
            )
    client.force_login(world.supervisor)
    url = reverse("duty:roster", args=[world.project.pk]) + "?view=month&date=2026-11-10"
    with django_assert_max_num_queries(16):
        r = client.get(url)
    assert r.status_code == 200
    assert r.content.decode().count("王丽") >= 30


def test_swap_page_posts_a_request_and_shows_errors(client, world, shifts):
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=TZ), tick=False):
        a = services.assignment_add(
            actor=world.supervisor, project=world.project, day=date(2026, 11, 27), shift=shifts["early"], user=world.cs
        )
        client.force_login(world.cs)
        url = reverse("duty:swap-new", args=[a.pk])
        r = client.post(url, {"cover": world.cs2.pk, "reason": ""})
        assert r.status_code == 400 and not SwapRequest.objects.exists()
        r = client.post(url, {"cover": world.cs2.pk, "reason": "看病"})
        assert r.status_code == 302 and SwapRequest.objects.get().cover == world.cs2
        client.force_login(world.outsider)
        assert client.get(url).status_code == 404
        client.force_login(world.supervisor)
        r = client.post(reverse("duty:swap-decide", args=[SwapRequest.objects.get().pk, "approve"]))
        assert r.status_code == 302
        assert Assignment.objects.get(state=AssignmentState.ACTIVE).user == world.cs2
