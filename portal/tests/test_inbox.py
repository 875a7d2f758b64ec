"""A resident's messages (/my/inbox/): what the in-app channel told them, each leading to the page
it is about; nobody opens another person's message; hostile text is shown as text."""

import pytest
from django.urls import reverse

from core.models import Notification
from desk.choices import Kind
from desk.services import request_dispatch


def test_a_dispatched_request_is_a_message_that_leads_to_the_request(client, cast):
    world = cast.world
    world.register(actor=world.cs, kind=Kind.REPAIR, title="厨房漏水")
    sr = world.register(actor=world.cs, kind=Kind.REPAIR, title="卫生间漏水")
    request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
    note = Notification.objects.get(user=cast.owner)
    assert note.url == reverse("portal:request", args=[sr.pk]) and note.read_at is None

    client.force_login(cast.owner)
    home = client.get(reverse("portal:home")).content.decode()
    assert 'id="unread-count">1<' in home  # the header's count, on every resident page
    page = client.get(reverse("portal:inbox")).content.decode()
    assert note.title in page and "未读" in page
    opened = client.get(reverse("portal:inbox-open", args=[note.pk]))
    assert opened.status_code == 302 and opened["Location"] == note.url
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="unread-count"' not in client.get(reverse("portal:home")).content.decode()


def test_another_persons_message_is_not_there(client, cast):
    mine = Notification.objects.create(user=cast.owner, title="您的报修已派单", url="/my/requests/1/")
    for who in (cast.family, cast.tenant, cast.other):
        client.force_login(who)
        assert client.get(reverse("portal:inbox-open", args=[mine.pk])).status_code == 404
        assert "您的报修已派单" not in client.get(reverse("portal:inbox")).content.decode()
    mine.refresh_from_db()
    assert mine.read_at is None
    client.force_login(cast.staff)
    assert client.get(reverse("portal:inbox")).status_code == 403


def test_a_link_that_is_not_a_residents_page_is_not_followed(client, cast):
    client.force_login(cast.owner)
    for url in ("https://evil.example/x", "//evil.example/my/", "/desk/requests/1/", ""):
        note = Notification.objects.create(user=cast.owner, title="t", url=url)
        response = client.get(reverse("portal:inbox-open", args=[note.pk]))
        assert response["Location"] == reverse("portal:inbox"), url


def test_hostile_text_is_shown_as_text_and_all_can_be_marked_read(client, cast):
    Notification.objects.create(user=cast.owner, title="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>")
    Notification.objects.create(user=cast.owner, title="第二条")
    client.force_login(cast.owner)
    page = client.get(reverse("portal:inbox")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert client.get(reverse("portal:inbox-read")).status_code == 405  # a change is a POST
    client.post(reverse("portal:inbox-read"))
    assert not Notification.objects.filter(user=cast.owner, read_at__isnull=True).exists()


@pytest.mark.parametrize("size", [31])
def test_older_messages_are_a_page_away(client, cast, size):
    Notification.objects.bulk_create(Notification(user=cast.owner, title=f"消息{i:02d}") for i in range(size))
    client.force_login(cast.owner)
    first = client.get(reverse("portal:inbox"))
    page = first.content.decode()
    assert "消息30" in page and "消息00" not in page and "更早的" in page
    after = first.context["page"].next_cursor
    older = client.get(reverse("portal:inbox"), {"after": after}).content.decode()
    assert "消息00" in older and "消息30" not in older
    assert client.get(reverse("portal:inbox"), {"after": "garbage"}).status_code == 200
