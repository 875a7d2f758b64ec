"""Money is integer fen (分) everywhere: stored, added, allocated. Prices are `Decimal` yuan with at
most four decimals. The one rounding rule: each bill line is rounded half up to the fen once, when
it is computed; a bill's total is the sum of its lines, never rounded again."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FEN = Decimal("0.01")
PRICE_PLACES = 4


def to_fen(yuan) -> int:
    """Yuan (str, int or Decimal) to integer fen, half up. Floats are refused: they are not money."""
    if isinstance(yuan, float):
        raise TypeError("money is never a float")
    try:
        value = Decimal(str(yuan)).quantize(FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("金额格式不正确。")) from exc
    return int(value * 100)


def yuan(fen: int) -> Decimal:
    """Integer fen as Decimal yuan with two places, for display and exports."""
    return (Decimal(int(fen)) / 100).quantize(FEN)


def parse_amount(text, *, allow_zero: bool = False) -> int:
    """A typed amount in yuan → fen, refusing what a cashier could not mean: negative, zero, more than
    two decimals, not a number."""
    raw = str(text).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("请输入金额，如 1280.50。")) from exc
    if not value.is_finite():
        raise ValidationError(_("请输入金额，如 1280.50。"))
    if value.as_tuple().exponent < -2:
        raise ValidationError(_("金额最多两位小数。"))
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError(_("金额必须大于零。"))
    if value >= Decimal("100000000"):
        raise ValidationError(_("金额过大。"))
    return int(value * 100)


def check_price(price) -> Decimal:
    """A rate: a non-negative Decimal with at most four decimals."""
    try:
        value = Decimal(str(price))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("单价格式不正确。")) from exc
    if not value.is_finite() or value < 0:
        raise ValidationError(_("单价不能为负数。"))
    if value.as_tuple().exponent < -PRICE_PLACES:
        raise ValidationError(_("单价最多四位小数。"))
    return value


def line_fen(quantity, price, *, months: Fraction | int = 1) -> int:
    """quantity × price × months in fen, rounded half up (away from zero) to the fen: the one place a
    line is rounded. Exact: Decimal and Fraction inputs are multiplied as fractions."""
    # as integer ratios (what Fraction would do, without its normalising on every step: a billing
    # run computes this for every line of 100,000 rooms)
    qn, qd = Decimal(quantity).as_integer_ratio()
    pn, pd = Decimal(price).as_integer_ratio()
    months = Fraction(months)
    num = qn * pn * months.numerator * 100
    den = qd * pd * months.denominator
    sign = -1 if num < 0 else 1
    return sign * ((2 * abs(num) + den) // (2 * den))


def month_add(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month (day must be a month's first day)."""
    total = day.year * 12 + (day.month - 1) + months
    return date(total // 12, total % 12 + 1, 1)


def prorated_months(period_start: date, period_end: date, billed_from: date, billed_to: date) -> Fraction:
    """How many months of a period [period_start, period_end] (whole months, both ends inclusive) are
    billed when only [billed_from, billed_to] is chargeable: whole months count 1 each, a partial
    month counts its billed days over its own number of days (a 10-day stay in a 30-day month is
    10/30). Exact (a Fraction); rounding happens once, in `line_fen`."""
    start, end = max(period_start, billed_from), min(period_end, billed_to)
    if end < start:
        return Fraction(0)
    total = Fraction(0)
    month = date(start.year, start.month, 1)
    while month <= end:
        nxt = month_add(month, 1)
        last = nxt - timedelta(days=1)
        days_in_month = (last - month).days + 1
        first_day, last_day = max(month, start), min(last, end)
        billed = (last_day - first_day).days + 1
        total += Fraction(billed, days_in_month)
        month = nxt
    return total
