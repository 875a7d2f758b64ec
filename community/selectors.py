"""Reads of the community work, scoped to the user: staff see their projects, a resident the
announcements addressed to their rooms and the activities of their projects."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from community.choices import (
    COMMUNITY_STAFF_ROLES,
    PHRASE_EDITING_ROLES,
    PUBLISHING_ROLES,
    Audience,
    NoticeState,
    SignupState,
)
from community.models import Activity, Announcement, AnnouncementRead, Signup, VisitGroup
from core.choices import Role
from estate.models import Occupancy


def is_community_staff(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in COMMUNITY_STAFF_ROLES)


def may_publish(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in PUBLISHING_ROLES)


def uses_phrases(user) -> bool:
    """The phrase library: the desk and the supervisors (no resident)."""
    return user.is_authenticated and not user.is_resident and (user.is_superuser or user.is_desk or user.is_supervising)


def is_resident(user) -> bool:
    return user.is_authenticated and user.is_resident


def may_edit_phrases(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in PHRASE_EDITING_ROLES)


def staff_project_ids(user) -> frozenset[int]:
    return user.project_ids() if is_community_staff(user) else frozenset()


def current_q(prefix: str = "") -> Q:
    """Current occupancy, written for a relation path (e.g. 'rooms__occupancies__')."""
    day = timezone.localdate()
    return (Q(**{f"{prefix}start__isnull": True}) | Q(**{f"{prefix}start__lte": day})) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": day})
    )


# ---------------------------------------------------------------- announcements


@dataclass(frozen=True)
class Household:
    room_ids: frozenset[int]
    building_ids: frozenset[int]
    project_ids: frozenset[int]

    @classmethod
    def of_rooms(cls, rooms) -> "Household":
        """From the resident's current rooms when a page has read them already (no query)."""
        return cls(
            frozenset(r.pk for r in rooms),
            frozenset(r.building_id for r in rooms),
            frozenset(r.project_id for r in rooms),
        )


def household_of(user) -> Household:
    """The rooms a resident account lives in now (one query)."""
    rows = list(
        Occupancy.objects.current()
        .filter(resident__user=user)
        .values_list("room_id", "room__building_id", "room__project_id")
    )
    return Household(frozenset(r[0] for r in rows), frozenset(r[1] for r in rows), frozenset(r[2] for r in rows))


def staff_announcements(user) -> QuerySet[Announcement]:
    return Announcement.objects.filter(project_id__in=staff_project_ids(user))


def live_announcements() -> QuerySet[Announcement]:
    now = timezone.now()
    return Announcement.objects.filter(state=NoticeState.PUBLISHED).filter(
        Q(expire_at__isnull=True) | Q(expire_at__gt=now)
    )


def resident_announcements(user, household: Household | None = None) -> QuerySet[Announcement]:
    """What a resident may read now: published, not expired, addressed to one of their rooms, with
    `is_read` telling whether this account opened it."""
    if not user.is_authenticated or user.role != Role.RESIDENT:
        return Announcement.objects.none()
    home = household or household_of(user)
    if not home.room_ids:
        return Announcement.objects.none()
    through_b = Announcement.buildings.through.objects.filter(building_id__in=home.building_ids)
    through_r = Announcement.rooms.through.objects.filter(room_id__in=home.room_ids)
    addressed = (
        Q(audience=Audience.PROJECT, project_id__in=home.project_ids)
        | Q(audience=Audience.BUILDINGS, pk__in=through_b.values("announcement_id"))
        | Q(audience=Audience.ROOMS, pk__in=through_r.values("announcement_id"))
    )
    read = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user=user)
    return (
        live_announcements()
        .filter(addressed)
        .select_related("project")
        .annotate(is_read=Exists(read))
        .order_by("-published_at", "-id")
    )


def audience_user_ids(announcement: Announcement) -> QuerySet:
    """The accounts of residents who live in the audience now."""
    occupancies = Occupancy.objects.current().filter(resident__user__isnull=False)
    if announcement.audience == Audience.PROJECT:
        occupancies = occupancies.filter(room__project_id=announcement.project_id)
    elif announcement.audience == Audience.BUILDINGS:
        occupancies = occupancies.filter(
            room__building_id__in=announcement.buildings.through.objects.filter(announcement_id=announcement.pk).values(
                "building_id"
            ),
            room__project_id=announcement.project_id,
        )
    else:
        occupancies = occupancies.filter(
            room_id__in=announcement.rooms.through.objects.filter(announcement_id=announcement.pk).values("room_id")
        )
    return occupancies.values("resident__user_id").distinct()


def read_stats(announcements: list[Announcement]) -> dict[int, tuple[int, int]]:
    """{pk: (readers, accounts in the audience)} for a page of announcements in at most four
    queries, whatever the page size. Readers are the accounts that opened it while addressed
    (someone who moved out since still counts as having read it)."""
    ids = [a.pk for a in announcements]
    if not ids:
        return {}
    by_scope: dict[str, list[int]] = {}
    for a in announcements:
        by_scope.setdefault(a.audience, []).append(a.pk)
    size: dict[int, int] = {}
    paths = {
        Audience.PROJECT: "project__rooms__occupancies__",
        Audience.BUILDINGS: "buildings__rooms__occupancies__",
        Audience.ROOMS: "rooms__occupancies__",
    }
    for scope, pks in by_scope.items():
        path = paths[Audience(scope)]
        rows = (
            Announcement.objects.filter(pk__in=pks)
            .annotate(
                n=Count(
                    f"{path}resident__user",
                    distinct=True,
                    filter=current_q(path) & Q(**{f"{path}resident__user__isnull": False}),
                )
            )
            .values_list("pk", "n")
        )
        size.update(dict(rows))
    readers = dict(
        AnnouncementRead.objects.filter(announcement_id__in=ids)
        .values("announcement_id")
        .annotate(n=Count("id"))
        .values_list("announcement_id", "n")
    )
    return {pk: (readers.get(pk, 0), size.get(pk, 0)) for pk in ids}


# ---------------------------------------------------------------- activities


def staff_activities(user) -> QuerySet[Activity]:
    return Activity.objects.filter(project_id__in=staff_project_ids(user))


def resident_activities(user, household: Household | None = None) -> QuerySet[Activity]:
    if not user.is_authenticated or user.role != Role.RESIDENT:
        return Activity.objects.none()
    home = household or household_of(user)
    return Activity.objects.filter(project_id__in=home.project_ids).select_related("project")


def with_counts(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.annotate(
        confirmed=Count("signups", filter=Q(signups__state=SignupState.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__state=SignupState.WAITLISTED)),
    )


def activity_signups(activity: Activity) -> list[Signup]:
    return list(
        activity.signups.exclude(state=SignupState.CANCELLED)
        .select_related("resident", "room", "feedback")
        .order_by("state", "signed_at", "id")
    )


def my_signups(user, activity_ids) -> dict[int, Signup]:
    """The resident's live sign-ups for these activities, by activity."""
    rows = (
        Signup.objects.filter(activity_id__in=activity_ids, resident__user=user)
        .exclude(state=SignupState.CANCELLED)
        .select_related("feedback")
    )
    return {s.activity_id: s for s in rows}


# ---------------------------------------------------------------- visiting groups


def staff_visits(user) -> QuerySet[VisitGroup]:
    return VisitGroup.objects.filter(project_id__in=staff_project_ids(user))


def sensitive_visits(user) -> QuerySet[VisitGroup]:
    """The visiting groups whose contact number this user may reveal."""
    if not user.is_authenticated or user.role == Role.RESIDENT:
        return VisitGroup.objects.none()
    return VisitGroup.objects.filter(project_id__in=user.project_ids())
