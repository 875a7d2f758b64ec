"""The amount in capital numerals on a receipt (大写金额)."""

import pytest

from billing.receipts import amount_in_words


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角整"),
        (10000, "壹佰元整"),
        (12345, "壹佰贰拾叁元肆角伍分"),
        (100005, "壹仟元零伍分"),
        (101000, "壹仟零壹拾元整"),
        (1000000, "壹万元整"),
        (1000100, "壹万零壹元整"),
        (10010000, "壹拾万零壹佰元整"),
        (12345678, "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
        (10000000000, "壹亿元整"),
        (-25000, "负贰佰伍拾元整"),
    ],
)
def test_capital_numerals(fen, words):
    assert amount_in_words(fen) == words
