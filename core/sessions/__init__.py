"""Session stores (settings.SESSION_ENGINE) that make a signed-in session's new key when the
session is first saved, at the end of the request, instead of at sign-in: Django's own
`cycle_key` inserts a row for the new key at once and the session middleware then updates that
row (a statement and a commit more at every sign-in, measured on the residents' code check).
The old session's row still goes at once, so a fixated key dies at sign-in as before; what Django
does for `flush()` (a new key made at the save) is what happens here for `cycle_key()`."""


class DeferredCycle:
    def cycle_key(self):
        data = self._session
        key = self.session_key
        self._session_key = None  # the session middleware's save makes the new key and its one row
        self._session_cache = data
        self.modified = True
        if key:
            self.delete(key)
