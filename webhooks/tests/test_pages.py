"""The administrator's pages: add an endpoint (private addresses refused on the form), the secret shown
once, a test ping and a redelivery to a local receiver, the delivery log filtered and paged, switching
off and on; other roles 403, another company's records 404."""

import pytest
from django.urls import reverse

from core.audit import AuditEntry
from core.choices import Role
from core.models import Company
from tests.factories import make_user
from webhooks.choices import Status
from webhooks.models import Delivery, Endpoint
from webhooks.tests.receiver import Receiver

PUBLIC = "https://93.184.216.34/propdesk"  # an address literal: checked without DNS, never called here


@pytest.fixture
def admin(world, client):
    user = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    client.force_login(user)
    return user


def new(client, **data):
    body = {"name": "门禁系统", "url": PUBLIC, "events": ["parcel.logged", "request.registered"]} | data
    return client.post(reverse("webhooks:new"), body)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/",
        "http://10.1.2.3/",
        "http://172.16.0.9/",
        "http://192.168.1.20/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ],
)
def test_a_private_address_is_refused_on_the_form(admin, client, settings, url):
    settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE = False
    response = new(client, url=url)
    assert response.status_code == 400
    assert "出于安全考虑不允许" in response.content.decode() and not Endpoint.objects.exists()


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "example.com/x"])
def test_only_http_and_https(admin, client, url):
    response = new(client, url=url)
    assert response.status_code == 400 and "http://" in response.content.decode() and not Endpoint.objects.exists()


def test_no_events_is_refused(admin, client):
    assert new(client, events=[]).status_code == 400 and not Endpoint.objects.exists()


def test_an_endpoint_is_added_and_its_secret_shown_once(admin, client, settings):
    settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE = False
    response = new(client, name="<b>门禁</b>")
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("webhooks:detail", args=[endpoint.pk])
    assert endpoint.company == admin.company and endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    assert endpoint.events == ["parcel.logged", "request.registered"]
    first = client.get(response["Location"]).content.decode()
    assert endpoint.secret in first and "&lt;b&gt;门禁&lt;/b&gt;" in first and "<b>门禁</b>" not in first
    assert endpoint.secret not in client.get(response["Location"]).content.decode()  # once only
    assert AuditEntry.objects.filter(object_type="webhooks.Endpoint", action="create").exists()


def test_the_secret_is_rotated(admin, client, world):
    endpoint = Endpoint.objects.create(company=world.company, name="x", url=PUBLIC, events=["parcel.logged"])
    old = endpoint.secret
    page = client.post(reverse("webhooks:rotate", args=[endpoint.pk]), follow=True).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in page


def test_editing_checks_the_address_again(admin, client, world, settings):
    settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE = False
    endpoint = Endpoint.objects.create(company=world.company, name="x", url=PUBLIC, events=["parcel.logged"])
    body = {"name": "x", "url": "http://10.0.0.1/", "events": ["parcel.logged"]}
    assert client.post(reverse("webhooks:edit", args=[endpoint.pk]), body).status_code == 400
    endpoint.refresh_from_db()
    assert endpoint.url == PUBLIC


def test_a_ping_reaches_the_receiver_and_a_redelivery_is_a_new_attempt(admin, client, world):
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(company=world.company, name="x", url=receiver.url, events=["parcel.logged"])
        receiver.secret = endpoint.secret
        response = client.post(reverse("webhooks:ping", args=[endpoint.pk]), follow=True)
        ping = Delivery.objects.get()
        assert ping.status == Status.DELIVERED and ping.event == "ping"
        assert "HTTP 200" in response.content.decode()
        response = client.post(reverse("webhooks:redeliver", args=[ping.pk]))
    again = Delivery.objects.exclude(pk=ping.pk).get()
    assert response["Location"] == reverse("webhooks:delivery", args=[again.pk])
    assert again.redelivery_of == ping and again.event_id == ping.event_id and again.requested_by == admin
    assert (
        again.status == Status.DELIVERED and len(receiver.received) == 2 and all(r["signed"] for r in receiver.received)
    )
    assert AuditEntry.objects.filter(object_type="webhooks.Endpoint", action="redeliver").exists()
    page = client.get(reverse("webhooks:delivery", args=[again.pk])).content.decode()
    assert str(again.event_id) in page and '{"ok": true}' in page.replace("&quot;", '"')


def test_switching_off_and_on(admin, client, world):
    endpoint = Endpoint.objects.create(
        company=world.company, name="x", url=PUBLIC, events=["parcel.logged"], consecutive_failures=4
    )
    client.post(reverse("webhooks:disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.active and admin.name in endpoint.disabled_reason
    waiting = Delivery.objects.create(endpoint=endpoint, event="parcel.logged", payload={}, status=Status.FAILED)
    client.post(reverse("webhooks:enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    waiting.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0 and endpoint.disabled_at is None
    assert waiting.next_attempt_at is not None


def test_the_delivery_log_is_filtered_and_paged(admin, client, world):
    endpoint = Endpoint.objects.create(company=world.company, name="x", url=PUBLIC, events=["parcel.logged"])
    Delivery.objects.bulk_create(
        [Delivery(endpoint=endpoint, event="parcel.logged", payload={}, status=Status.DEAD) for _ in range(30)]
        + [Delivery(endpoint=endpoint, event="bill.issued", payload={}, status=Status.DELIVERED)]
    )
    url = reverse("webhooks:detail", args=[endpoint.pk])
    page = client.get(url, {"status": "dead"})
    assert page.context["page"].rows and all(d.status == Status.DEAD for d in page.context["page"].rows)
    assert len(page.context["page"].rows) == 25
    second = client.get(url, {"status": "dead", "after": page.context["page"].next_cursor})
    assert len(second.context["page"].rows) == 5
    assert client.get(url, {"status": "bogus"}).status_code == 200  # an unknown status: all


def test_other_roles_are_refused_and_other_companies_see_nothing(client, world):
    endpoint = Endpoint.objects.create(company=world.company, name="x", url=PUBLIC, events=["parcel.logged"])
    delivery = Delivery.objects.create(endpoint=endpoint, event="parcel.logged", payload={})
    for user in (world.supervisor, world.pm, world.cs, world.resident_user):
        client.force_login(user)
        assert client.get(reverse("webhooks:list")).status_code == 403
    stranger = make_user("o_admin", Role.COMPANY_ADMIN, company=Company.objects.create(name="别家", code="o"))
    client.force_login(stranger)
    assert client.get(reverse("webhooks:detail", args=[endpoint.pk])).status_code == 404
    assert client.get(reverse("webhooks:delivery", args=[delivery.pk])).status_code == 404
    assert client.post(reverse("webhooks:redeliver", args=[delivery.pk])).status_code == 404
    assert client.post(reverse("webhooks:disable", args=[endpoint.pk])).status_code == 404
    assert "x" not in [e.name for e in client.get(reverse("webhooks:list")).context["endpoints"]]
    endpoint.refresh_from_db()
    assert endpoint.active and Delivery.objects.count() == 1
