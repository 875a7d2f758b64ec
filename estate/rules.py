"""Who may open the estate's pages (rooms, households, search)."""


def may_browse(user) -> bool:
    """Rooms, households and the search: every staff member; residents use their own pages."""
    return user.is_authenticated and not user.is_resident


# ---------------------------------------------------------------- the household, from the residents' app
#
# Who keeps a household's people, vehicles and pets from their phone (portal "我家"): the owner
# (业主 or 共有人 today) keeps its people, vehicles and pets; a tenant registers and removes their own
# vehicles and the pets registered during their tenancy (they live there; the owner of a let flat
# often does not); a family member sees but changes nothing. Staff keep the file through
# estate/services.py `may_edit`.

OWNER_RELATIONS = frozenset({"owner", "co_owner"})
# the relations an owner may add from the app; owners and tenants come through the desk's
# registrations (transfer, lease) with their documents
OWNER_ADDS = frozenset({"family", "emergency"})


def links_today(user, room_id) -> list[tuple[str, object, int]]:
    """The resident user's links to the room today: [(relation, start, resident id)], from their
    occupancy scope (one query, or none when the request keeps it: estate.selectors.resident_scope)."""
    if not (user.is_authenticated and user.is_resident) or not room_id:
        return []
    from estate.selectors import resident_scope

    return [(rel, start, rid) for room, rel, start, rid in resident_scope(user).links if room == room_id]


def is_owner_today(user, room_id) -> bool:
    return any(rel in OWNER_RELATIONS for rel, _start, _rid in links_today(user, room_id))


def tenancy_start(user, room_id):
    """(True, the day their tenancy began or None) when the user is a tenant of the room today and
    not its owner; (False, None) otherwise."""
    links = links_today(user, room_id)
    if any(rel in OWNER_RELATIONS for rel, _s, _r in links):
        return False, None
    starts = [start for rel, start, _r in links if rel == "tenant"]
    if not starts:
        return False, None
    return True, (None if None in starts else min(starts))


def may_keep_people(user, room) -> bool:
    """Add family members, end a family member's or a tenant's link: the owner of the room today."""
    return is_owner_today(user, room.pk)


def may_add_things(user, room) -> bool:
    """Register a vehicle or a pet: the owner, or a tenant for their own tenancy."""
    return is_owner_today(user, room.pk) or tenancy_start(user, room.pk)[0]


def may_end_vehicle(user, vehicle) -> bool:
    """The owner: any of the room's vehicles; a tenant: their own (registered under their name)."""
    if is_owner_today(user, vehicle.room_id):
        return True
    tenant, _since = tenancy_start(user, vehicle.room_id)
    if not tenant or not vehicle.resident_id:
        return False
    return any(rid == vehicle.resident_id for _rel, _s, rid in links_today(user, vehicle.room_id))


def may_end_pet(user, pet) -> bool:
    """The owner: any of the room's pets; a tenant: those registered during their tenancy."""
    if is_owner_today(user, pet.room_id):
        return True
    tenant, since = tenancy_start(user, pet.room_id)
    return tenant and (since is None or pet.registered_on >= since)
