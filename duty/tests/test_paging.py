"""The duty pages page by keyset (core/paging.py) like every other list: the handover's items
(next and previous), the duty log (newest first, the category filter kept), the handover list."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from duty import registry, services
from duty.choices import HandoverState
from duty.models import Handover, LogEntry
from duty.registry import OpenItem
from duty.views import ITEMS_PER_PAGE, LOG_PAGE


def links(response, label: str) -> list[str]:
    """The hrefs of the page's links whose text contains `label`."""
    html = response.content.decode()
    return [
        href.replace("&amp;", "&")
        for href, text in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>([^<]*)', html)
        if label in text
    ]


def test_a_long_handover_pages_its_items_forward_and_back(client, world):
    registry.kinds()
    saved = dict(registry._KINDS)

    @registry.open_item_kind("many", "大量事项", order=99)
    def many(*, project, user, at):
        return [OpenItem(key=f"many:{i}", title=f"事项{i}", detail="", url="/m/", since=at) for i in range(450)]

    try:
        h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
    finally:
        registry._KINDS.clear()
        registry._KINDS.update(saved)
    expected = list(h.items.order_by("order", "id").values_list("pk", flat=True))
    assert len(expected) == 450 > 2 * ITEMS_PER_PAGE
    client.force_login(world.cs)
    url = reverse("duty:handover", args=[h.pk])
    response, pages = client.get(url), []
    while True:
        pages.append(response)
        if not links(response, "下一页"):
            break
        response = client.get(url + links(response, "下一页")[0])
    seen = [it.pk for page in pages for it in page.context["page"].rows]
    assert seen == expected and len(pages) == 3
    assert not links(pages[0], "上一页")
    back = client.get(url + links(pages[-1], "上一页")[0])
    assert [it.pk for it in back.context["page"].rows] == expected[ITEMS_PER_PAGE : 2 * ITEMS_PER_PAGE]


def test_the_duty_log_pages_newest_first_and_keeps_its_category(client, world):
    at = timezone.now()
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                project=world.project,
                at=at - timedelta(minutes=i // 7),  # seven entries to each minute: ties on `at`
                category="patrol" if i % 3 else "other",
                text=f"记录{i}",
                author=world.cs,
            )
            for i in range(3 * LOG_PAGE)
        ]
    )
    patrol = LogEntry.objects.filter(category="patrol").order_by("-at", "-id")
    client.force_login(world.cs)
    url = reverse("duty:log", args=[world.project.pk])
    response, seen = client.get(url, {"category": "patrol"}), []
    while True:
        seen += [e.pk for e in response.context["entries"]]
        more = links(response, "更早的记录")
        if not more:
            break
        assert "category=patrol" in more[0]
        assert links(client.get(url + more[0]), "回到最新")
        response = client.get(url + more[0])
    assert seen == list(patrol.values_list("pk", flat=True))
    assert not links(client.get(url), "回到最新")


def test_the_handover_list_pages_by_start_then_id(client, world):
    start = timezone.now()
    Handover.objects.bulk_create(
        [
            Handover(
                project=world.project,
                outgoing=world.cs,
                incoming=world.cs2,
                # ids and start times in different orders: the page follows the start time
                started_at=start - timedelta(hours=(i * 7) % 40),
                period_start=start - timedelta(hours=48),
                state=HandoverState.COMPLETED,
            )
            for i in range(40)
        ]
    )
    expected = list(Handover.objects.order_by("-started_at", "-id").values_list("pk", flat=True))
    client.force_login(world.cs)
    url = reverse("duty:handovers", args=[world.project.pk])
    first = client.get(url)
    second = client.get(url + links(first, "更早的交接班")[0])
    seen = [h.pk for h in first.context["handovers"]] + [h.pk for h in second.context["handovers"]]
    assert seen == expected and not links(second, "更早的交接班")
