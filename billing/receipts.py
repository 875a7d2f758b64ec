"""What a printed receipt (收据) needs beyond the entry: the amount in capital Chinese numerals
(大写金额), as every Chinese receipt carries it."""

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")


def _group(n: int) -> str:
    """A number below 10,000 in capitals, zeros inside read once (1010 → 壹仟零壹拾)."""
    out, zero = "", False
    for pos in range(3, -1, -1):
        digit = n // 10**pos % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += DIGITS[0]
            zero = False
        out += DIGITS[digit] + PLACES[pos]
    return out


def _integer(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += DIGITS[0]
        gap = False
        out += _group(group) + GROUPS[index]
    return out


def amount_in_words(fen: int) -> str:
    """12345678 fen → 壹拾贰万叁仟肆佰伍拾陆元柒角捌分; 10000 → 壹佰元整; 5 → 伍分."""
    fen = int(fen)
    if fen < 0:
        return "负" + amount_in_words(-fen)
    if fen == 0:
        return "零元整"
    whole, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    out = _integer(whole) + "元" if whole else ""
    if not jiao and not cents:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif whole:
        out += DIGITS[0]
    if cents:
        out += DIGITS[cents] + "分"
    else:
        out += "整"
    return out
