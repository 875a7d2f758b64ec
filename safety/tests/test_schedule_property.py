from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safety import services
from safety.choices import RunState
from safety.models import PatrolRun, Route

TZ = ZoneInfo("Asia/Shanghai")
BASE = datetime(2026, 11, 26, tzinfo=TZ)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slots=st.lists(st.times(), min_size=1, max_size=4, unique_by=lambda t: (t.hour, t.minute)),
    grace=st.integers(min_value=0, max_value=180),
    now_minutes=st.integers(min_value=0, max_value=2 * 24 * 60),
    started=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_missed_runs_are_exactly_the_slots_past_their_grace_and_never_twice(
    world, patrol, slots, grace, now_minutes, started
):
    route, *_ = patrol
    PatrolRun.objects.all().delete()
    slots = sorted({time(t.hour, t.minute) for t in slots})
    Route.objects.filter(pk=route.pk).update(
        times=",".join(f"{t:%H:%M}" for t in slots), grace_minutes=grace, created_at=BASE
    )
    route.refresh_from_db()
    now = BASE + timedelta(minutes=now_minutes)
    candidates = [datetime.combine((now - timedelta(days=d)).date(), t, tzinfo=TZ) for d in (0, 1) for t in slots]
    due = {s for s in candidates if BASE <= s and s + timedelta(minutes=grace) <= now and s > now - timedelta(days=1)}
    walked = {s for s, flag in zip(sorted(due), started, strict=False) if flag}
    for s in walked:
        PatrolRun.objects.create(project=route.project, route=route, scheduled_for=s, state=RunState.DONE)
    assert services.runs_mark_missed(now=now) == len(due - walked)
    assert set(PatrolRun.objects.filter(state=RunState.MISSED).values_list("scheduled_for", flat=True)) == due - walked
    assert services.runs_mark_missed(now=now) == 0
