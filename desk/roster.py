"""Who is on duty, as the duty roster says, for the desk's dispatch and the supervisor's board.

The roster belongs to the duty app, which sits above the desk: the desk never imports it. Duty
plugs its reader in at start-up (duty/apps.py `register_shift_reader`), the way apps plug into
estate's household timeline. Without it (duty not installed) nobody is on the roster and the
desk's "least loaded on duty" falls back to the least loaded of everybody who may take the work.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone


@dataclass(frozen=True)
class ShiftToday:
    """One shift a person works today (or the overnight one that began yesterday and runs on)."""

    label: str  # e.g. "早班 08:00–16:00"
    start: datetime
    end: datetime

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


# reader(project_id, user_ids, at) -> {user_id: [ShiftToday, ...]}: ONE query, nothing written.
ShiftReader = Callable[[int, Iterable[int], datetime], dict[int, list[ShiftToday]]]


def _nobody(project_id: int, user_ids: Iterable[int], at: datetime) -> dict[int, list[ShiftToday]]:
    return {}


_reader: ShiftReader = _nobody


def register_shift_reader(reader: ShiftReader) -> None:
    global _reader
    _reader = reader


def shifts_today(project_id: int, user_ids: Iterable[int], at: datetime | None = None) -> dict[int, list[ShiftToday]]:
    """Each person's shifts of the day of `at` (now) in the project, as the roster has them."""
    ids = list(user_ids)
    if not ids:
        return {}
    return _reader(project_id, ids, at or timezone.now())
