"""The cached database session store (Redis in front), with the new key made at the first save
(core/sessions)."""

from django.contrib.sessions.backends import cached_db

from core.sessions import DeferredCycle


class SessionStore(DeferredCycle, cached_db.SessionStore):
    pass
