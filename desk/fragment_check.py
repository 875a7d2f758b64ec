"""The one comparison of the desk's fast paths with their references.

The request list's rows and the intake lookup's results are written in Python (desk.views:
request_rows_html, lookup_results_html) and the API's list rows and detail are built as plain
dicts (desk.api_rows: request_list_rows, request_detail_data), for speed (docs/performance.md). Their
references stay: templates/desk/_request_table.html, templates/desk/_lookup_results.html and the
serializers RequestListSerializer / RequestDetailSerializer (the OpenAPI schema). `check_all`
compares each fast path with its reference over the rows it is given, in both languages and for
each user given, and raises `Different` at the first difference.

Two callers: desk/tests/test_fragments.py (a small data set made to hold every case; the test
suite runs it, so editing one copy without the other fails) and bench/check_fragments.py (many
rows of a big database).

HTML is compared after `norm` (whitespace between tags and runs of whitespace do not count).
API data is compared as Python values and again as JSON with sorted keys, so that a value of the
wrong type (1 for true, "20" for 20) is a difference too; the order of the keys is not compared.
"""

import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from desk.api import RequestDetailSerializer, RequestListSerializer
from desk.api_rows import request_detail_data, request_list_rows
from desk.models import Attachment, ServiceRequest
from desk.selectors import request_timeline
from desk.views import lookup_results_html, request_rows_html

LANGUAGES = ("zh-hans", "en")
# What the lookup's "nothing found" line is tried with: nothing typed, and text to be escaped.
NOT_FOUND_QUERIES = ("", "<b>没有</b>&\"'")


class Different(AssertionError):
    """The fast path and its reference differ; the message says where and shows both."""

    def __init__(self, what: str, expected, got):
        self.what, self.expected, self.got = what, expected, got
        super().__init__(f"DIFFERENT: {what}\n--- template/serializer\n{expected}\n--- python\n{got}")


def norm(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def _as_json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def _same_data(what: str, expected, got) -> None:
    if expected != got or _as_json(expected) != _as_json(got):
        if isinstance(expected, dict) and isinstance(got, dict):
            diff = {
                k: (expected.get(k, "<missing>"), got.get(k, "<missing>"))
                for k in sorted(set(expected) | set(got))
                if k not in expected or k not in got or _as_json(expected[k]) != _as_json(got[k])
            }
            raise Different(what, f"fields differing (serializer, python): {diff}", "")
        raise Different(what, expected, got)


def _plain(data):
    """Serializer output (ReturnDict, OrderedDict, ReturnList) as plain dicts and lists."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(value) for value in data]
    return data


def check_list_rows(rows, label: str = "") -> int:
    """request_rows_html(rows) == desk/_request_table.html with these rows (and with none)."""
    expected = render_to_string("desk/_request_table.html", {"rows": rows})
    got = request_rows_html(rows)
    if norm(expected) != norm(got):
        raise Different(f"list rows {label}", norm(expected), norm(got))
    return len(rows)


def check_lookup(rooms, q: str, user, label: str = "", more: bool = False) -> int:
    """lookup_results_html == desk/_lookup_results.html for these rooms (with occupants loaded)."""
    expected = render_to_string("desk/_lookup_results.html", {"rooms": rooms, "q": q, "user": user, "more": more})
    got = lookup_results_html(rooms, q, user, more)
    if norm(expected) != norm(got):
        raise Different(f"lookup {label} q={q!r}", norm(expected), norm(got))
    return len(rooms)


def check_api_rows(rows, request, label: str = "") -> int:
    """request_list_rows == RequestListSerializer(many=True), row by row."""
    expected = _plain(RequestListSerializer(rows, many=True, context={"request": request}).data)
    got = request_list_rows(rows, request)
    if len(expected) != len(got):
        raise Different(f"API rows {label}: number of rows", len(expected), len(got))
    for e, g in zip(expected, got, strict=True):
        _same_data(f"API row {e.get('id')} {label}", e, g)
    return len(rows)


def load_detail(pk: int) -> ServiceRequest:
    """The request as the API's detail reads it (desk.selectors.request_detail without the
    visibility filter: the comparison is about the output, not who may see it), with its timeline
    and files: `timeline` and `attachment_list` for the serializer, each entry's `attachment_ids`
    as desk.api._detail_response gives them."""
    sr = (
        ServiceRequest.objects.select_related(
            "project",
            "room__building",
            "room__unit",
            "resident",
            "related_room",
            "category",
            "department",
            "assignee",
            "receiver",
            "implementer",
        )
        .defer("search_grams")
        .get(pk=pk)
    )
    sr.timeline = request_timeline(sr)
    sr.attachment_list = list(Attachment.objects.filter(request=sr))
    for event in sr.timeline:
        event.attachment_ids = [a.pk for a in event.attachments.all()]
    return sr


def check_api_detail(sr: ServiceRequest, request, label: str = "") -> None:
    """request_detail_data == RequestDetailSerializer for one request (from `load_detail`)."""
    expected = _plain(RequestDetailSerializer(sr, context={"request": request}).data)
    got = request_detail_data(sr, request, sr.timeline, sr.attachment_list)
    _same_data(f"API detail {sr.pk} {label}", expected, got)


def check_all(*, rows, rooms, empty_rooms, users, detail_ids, languages=LANGUAGES, chunk=25) -> dict:
    """Every comparison over the given list rows (from desk.selectors.list_queryset), rooms (from
    estate.selectors.with_occupants; `empty_rooms` have no occupant), users and requests' ids, in
    each language. Returns how many of each were compared; raises Different at the first difference."""
    factory = RequestFactory()
    details = [load_detail(pk) for pk in detail_ids]
    checked = {"rows": 0, "lookup": 0, "api": 0, "detail": 0}
    for language in languages:
        with translation.override(language):
            for start in range(0, len(rows), chunk):
                checked["rows"] += check_list_rows(rows[start : start + chunk], f"{start}.. ({language})")
            check_list_rows([], f"empty ({language})")
            for user in users:
                request = factory.get("/")
                request.user = user
                label = f"({language}, {user.username}, {user.role})"
                for start in range(0, len(rooms), 8):
                    more = start % 16 == 0  # with and without the "more" line
                    checked["lookup"] += check_lookup(
                        rooms[start : start + 8] + empty_rooms[:1], "3-2", user, label, more
                    )
                if empty_rooms:
                    checked["lookup"] += check_lookup(empty_rooms, "3-2", user, label)
                for q in NOT_FOUND_QUERIES:
                    check_lookup([], q, user, label)
                for start in range(0, len(rows), chunk):
                    checked["api"] += check_api_rows(rows[start : start + chunk], request, label)
                for sr in details:
                    check_api_detail(sr, request, label)
                    checked["detail"] += 1
    return checked
