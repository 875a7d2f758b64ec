"""Time limits as people write them: 20m, 2h, 3d (clock time); 4wh, 7wd (working time).

`parse_limit("7wd")` -> Limit(minutes=7, unit="wd"); the arithmetic lives in desk/sla.py."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d|wm|wh|wd)\s*$", re.IGNORECASE)
# The longest limit a policy may set in each unit: about a year. Longer limits are a typing
# mistake, and the calendar arithmetic refuses to walk further than ten years.
MAXIMUM = {"m": 525_600, "h": 8_760, "d": 365, "wm": 120_000, "wh": 2_000, "wd": 250}


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str

    @property
    def working(self) -> bool:
        return self.unit.startswith("w")

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}{self.unit}"


def parse_limit(text: str) -> Limit:
    match = _PATTERN.match(text or "")
    if not match:
        raise ValidationError(
            _("时限“%(value)s”格式不对：请写成 20m、2h、3d（自然时间）或 4wh、7wd（工作时间）。"),
            code="bad_limit",
            params={"value": text},
        )
    amount = float(match.group(1))
    unit = match.group(2).lower()
    if amount <= 0:
        raise ValidationError(_("时限必须大于零。"), code="non_positive")
    if amount > MAXIMUM[unit]:
        raise ValidationError(
            _("时限“%(value)s”太长：最多约一年（%(max)s%(unit)s）。"),
            code="too_long",
            params={"value": text, "max": MAXIMUM[unit], "unit": unit},
        )
    return Limit(amount=amount, unit=unit)


def validate_limit(text: str) -> None:
    if text:
        parse_limit(text)
