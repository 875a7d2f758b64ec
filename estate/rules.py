"""Who may open the estate's pages (rooms, households, search)."""


def may_browse(user) -> bool:
    """Rooms, households and the search: every staff member; residents use their own pages."""
    return user.is_authenticated and not user.is_resident
