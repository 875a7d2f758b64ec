"""The database session store, with the new key made at the first save (core/sessions)."""

from django.contrib.sessions.backends import db

from core.sessions import DeferredCycle


class SessionStore(DeferredCycle, db.SessionStore):
    pass
