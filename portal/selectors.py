"""What the residents' pages read: every query goes through the apps' own `visible_*` selectors
(the one resident scoping rule), then narrows to the room the resident has chosen."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.selectors import resident_announcements
from desk.choices import VISIT_STATES, Action, Rating, State
from desk.rules import FROM_STATES
from desk.selectors import request_timeline, visible_requests
from estate.models import Occupancy
from estate.selectors import visible_rooms
from frontdesk.choices import ParcelState, VisitState
from frontdesk.selectors import visible_goods_passes, visible_parcels, visible_visits

ROOM_KEY = "portal_room"
# while a message can still be added (the desk's rules: ATTACH)
MESSAGE_STATES = FROM_STATES[Action.ATTACH]
HOME_OPEN_READ = 50


def my_rooms(user) -> list:
    return list(visible_rooms(user).select_related("project", "building").order_by("project_id", "sort_key", "id"))


def current_room(request):
    """The room chosen on this session (kept when it is still one of theirs), else the first."""
    rooms = my_rooms(request.user)
    chosen = request.session.get(ROOM_KEY)
    for room in rooms:
        if room.pk == chosen:
            return room, rooms
    return (rooms[0] if rooms else None), rooms


def room_requests(user, room):
    return visible_requests(user).filter(room=room).select_related("department", "assignee").order_by("-created_at")


def waiting_parcels(user, room):
    return visible_parcels(user).filter(room=room, state=ParcelState.WAITING).order_by("-arrived_at")


def room_visits(user, room):
    return visible_visits(user).filter(room=room).order_by("-created_at")


def visitors_today(user, room):
    today = timezone.localdate()
    return room_visits(user, room).filter(
        Q(state=VisitState.EXPECTED, expected_on=today, code_expires_at__gte=timezone.now())
        | Q(state=VisitState.ON_SITE)
    )


def unread_announcements(user, room, rooms=None):
    """`rooms`: the resident's current rooms when the page has them (with their buildings and
    projects), so the announcements' audience is not read again."""
    from community.selectors import Household

    household = Household.of_rooms(rooms) if rooms is not None else None
    return resident_announcements(user, household).filter(is_read=False)


def home(user, room, rooms=None) -> dict:
    """What needs me now, for the chosen room (`rooms`: all the resident's current rooms, when read)."""
    # The cards show a request's title and link only: no department or assignee joined in (their
    # planning cost PostgreSQL more than running the query).
    # The open requests and those to rate come from one query: a request to rate (resolved or
    # replied to, not yet rated) is still open. The newest HOME_OPEN_READ open requests of the
    # room are read; a room with more open requests than that is not one a household has.
    brief = ("id", "title", "state", "rating", "created_at")
    still_open = list(
        room_requests(user, room)
        .exclude(state__in=(State.CLOSED, State.CANCELLED, State.VISITED))
        .select_related(None)
        .only(*brief)[:HOME_OPEN_READ]
    )
    return {
        "to_rate": [sr for sr in still_open if sr.state in VISIT_STATES and not sr.rating][:5],
        "parcels": list(waiting_parcels(user, room)[:10]),
        "unread": list(unread_announcements(user, room, rooms)[:5]),
        "visitors": list(visitors_today(user, room)[:5]),
        "open": still_open[:5],
        "to_confirm": to_confirm(user, room),
    }


def household(user, room) -> list:
    return list(
        Occupancy.objects.current()
        .filter(room=room, resident__in=_visible_residents(user))
        .select_related("resident")
        .order_by("relation", "resident__name")
    )


def _visible_residents(user):
    from estate.selectors import visible_residents

    return visible_residents(user)


def passes_to_confirm(user, room):
    from frontdesk.choices import PassState

    return visible_goods_passes(user).filter(room=room, state=PassState.AWAITING_OWNER).prefetch_related("items")


def leases_to_confirm(user, room):
    """A tenant's lease registered at the desk that waits for the owner's agreement."""
    from registrations.choices import LeaseState
    from registrations.selectors import visible_leases

    return visible_leases(user).filter(room=room, state=LeaseState.DRAFT, confirmed_at__isnull=True)


def to_confirm(user, room) -> dict:
    """What waits for the owner's word (the home's card and the household page): a tenant's goods
    passes and leases. Nothing for anyone who is not an owner of the room today (one query to know)."""
    from estate.rules import is_owner_today

    if not is_owner_today(user, room.pk):
        return {"owner": False, "passes": [], "leases": []}
    return {
        "owner": True,
        "passes": list(passes_to_confirm(user, room)),
        "leases": list(leases_to_confirm(user, room)),
    }


def _who(event, request) -> str:
    names = []
    if request.department_id:
        names.append(request.department.name)
    if request.assignee_id:
        names.append(request.assignee.name)
    return " ".join(names)


HIDDEN = {Action.RECLASSIFY, Action.VALIDITY, Action.ESCALATE}


def timeline(request) -> list[dict]:
    """The request's timeline in residents' words; the desk's internal steps are left out."""
    rows = []
    for ev in request_timeline(request):
        if ev.action in HIDDEN:
            continue
        data = ev.data or {}
        text, note = "", ""
        if ev.action == Action.REGISTER:
            text = _("物业已收到")
        elif ev.action in (Action.DISPATCH, Action.TRANSFER):
            text = _("已派给 %(who)s") % {"who": _who(ev, request)} if _who(ev, request) else _("已安排处理")
        elif ev.action == Action.RETURN:
            text = _("正在重新安排处理人")
        elif ev.action == Action.ACCEPT:
            text = _("师傅已接单")
        elif ev.action == Action.ARRIVE:
            text = _("师傅已到场")
        elif ev.action == Action.PAUSE:
            text, note = _("暂时等待"), ev.note
        elif ev.action == Action.RESUME:
            text = _("继续处理")
        elif ev.action == Action.RESOLVE:
            text, note = _("已处理完成"), request.result
        elif ev.action == Action.REPLY:
            text, note = _("物业回复"), ev.note
        elif ev.action == Action.VISIT:
            text = _("评价：%(rating)s") % {"rating": Rating(data.get("rating")).label if data.get("rating") else ""}
            note = ev.note
        elif ev.action == Action.REOPEN:
            text = _("重新处理")
        elif ev.action == Action.CLOSE:
            text = _("已结束")
        elif ev.action == Action.CANCEL:
            text = _("已取消")
        elif ev.action == Action.ATTACH:
            text, note = (_("留言"), ev.note) if data.get("message") else (_("补充了照片"), "")
        rows.append({"at": ev.at, "text": text, "note": note, "photos": list(ev.attachments.all())})
    return rows


def expected_by(request):
    """'预计 … 前到场/完成' from the request's nearest deadline, while the work is ahead."""
    if not request.due_at or request.state not in (
        State.REGISTERED,
        State.DISPATCHED,
        State.ACCEPTED,
        State.IN_PROGRESS,
    ):
        return None
    arrive = request.state in (State.DISPATCHED, State.ACCEPTED)
    return {"at": request.due_at, "arrive": arrive}


def state_text(state: int) -> str:
    """A request's state as a resident says it."""
    return {
        State.REGISTERED: _("已受理"),
        State.DISPATCHED: _("已安排"),
        State.ACCEPTED: _("师傅已接单"),
        State.IN_PROGRESS: _("处理中"),
        State.PAUSED: _("暂时等待"),
        State.RESOLVED: _("待评价"),
        State.REPLIED: _("待评价"),
        State.VISITED: _("已评价"),
        State.CLOSED: _("已结束"),
        State.CANCELLED: _("已取消"),
    }.get(state, "")
