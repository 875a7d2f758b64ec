"""Session stores (settings.SESSION_ENGINE) that make a signed-in session's new key when the
session is first saved, at the end of the request, instead of at sign-in: Django's own
`cycle_key` inserts a row for the new key at once and the session middleware then updates that
row (a statement and a commit more at every sign-in, measured on the residents' code check).
The old session's row still goes at once, so a fixated key dies at sign-in as before; what Django
does for `flush()` (a new key made at the save) is what happens here for `cycle_key()`.

Two more statements saved at every new session: a new key is not looked up before its insert
(the insert refuses a key in use, and Django's `create()` then draws another), and a save of data
already written in this request is skipped (a sign-in saves its new session inside its own
transaction, so that the session middleware's save at the end adds nothing)."""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class DeferredCycle:
    _written = None  # (key, serialized data) of this store's last save

    def _get_new_session_key(self):
        # 32 characters of 36: the insert (save(must_create=True)) is the check that it is unused
        return get_random_string(32, VALID_KEY_CHARS)

    def _state(self):
        # serialized, so that a value changed in place (then `modified` set) is seen as a change
        return (self.session_key, self.serializer().dumps(self._session))

    def save(self, must_create=False):
        if not must_create and self._written is not None and self._written == self._state():
            return
        super().save(must_create=must_create)
        if self.session_key is not None:
            self._written = self._state()

    def cycle_key(self):
        data = self._session
        key = self.session_key
        self._session_key = None  # the session middleware's save makes the new key and its one row
        self._session_cache = data
        self.modified = True
        if key:
            self.delete(key)
