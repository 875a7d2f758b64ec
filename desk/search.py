"""Chinese search over service requests.

PostgreSQL: every request keeps the 2-character shingles of its text in `search_grams` (jsonb,
GIN-indexed); a term matches when all its shingles are present, and a final `icontains` keeps
only true hits. This answers 2-character terms such as 漏水, which trigram indexes cannot.
SQLite (the embedded default, small data): a plain `LIKE` over the same fields.
"""

import re

from django.db import connection
from django.db.models import Q

_SPACE = re.compile(r"\s+")


def grams(*texts: str) -> list[str]:
    """Sorted unique 2-character shingles of the texts (lower-cased, within whitespace-separated words)."""
    out: set[str] = set()
    for text in texts:
        for word in _SPACE.split((text or "").lower()):
            out.update(word[i : i + 2] for i in range(len(word) - 1))
    return sorted(out)


def request_search_q(term: str) -> Q:
    term = term.strip()
    text_q = Q(title__icontains=term) | Q(description__icontains=term) | Q(location__icontains=term)
    number_q = Q(number__startswith=term.upper())
    if connection.vendor == "postgresql":
        words = [w for w in _SPACE.split(term.lower()) if len(w) >= 2]
        if words:
            needed = sorted({w[i : i + 2] for w in words for i in range(len(w) - 1)})
            if len(words) == 1 and len(words[0]) == 2:
                # A 2-character term IS a shingle: containment alone is the exact answer, and the
                # planner estimates it well (an extra ILIKE made it expect 11 rows of 4,500).
                return Q(search_grams__contains=needed) | number_q
            return (Q(search_grams__contains=needed) & text_q) | number_q
    return text_q | number_q
