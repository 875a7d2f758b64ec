"""The administrator's webhooks under /api/webhooks/ (webhooks/api.py): the pages' services and rule.
The secret answered only when made and rotated, a private address a field error, a test ping and a
redelivery to a local receiver, switching off and on, deleting only what was never sent to; other
roles 403, another company's records 404, bad input 400 with nothing changed, a retried add done once."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.audit import AuditEntry
from core.choices import Role
from core.models import Company
from tests.factories import make_user
from webhooks.choices import Status
from webhooks.models import Delivery, Endpoint
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.216.34/propdesk"  # an address literal: checked without DNS, never called here
LIST = "api:webhook-endpoint-list"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def admin(world, api):
    user = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    api.force_authenticate(user)
    return user


@pytest.fixture
def endpoint(world):
    return Endpoint.objects.create(company=world.company, name="门禁系统", url=PUBLIC, events=["parcel.logged"])


@pytest.fixture
def stranger(api):
    return make_user("o_admin", Role.COMPANY_ADMIN, company=Company.objects.create(name="别家", code="o"))


def _body(**kw):
    return {"name": "门禁系统", "url": PUBLIC, "events": ["parcel.logged", "request.registered"]} | kw


def test_an_endpoint_is_added_once_and_its_secret_answered_only_then(api, admin, world):
    made = api.post(reverse(LIST), _body(), format="json", HTTP_IDEMPOTENCY_KEY="wh-1")
    again = api.post(reverse(LIST), _body(), format="json", HTTP_IDEMPOTENCY_KEY="wh-1")
    assert made.status_code == 201, made.data
    assert again.data == made.data and Endpoint.objects.count() == 1
    endpoint = Endpoint.objects.get()
    assert made.data["secret"] == endpoint.secret and endpoint.company == world.company
    assert endpoint.events == ["parcel.logged", "request.registered"]
    one = api.get(reverse("api:webhook-endpoint-detail", args=[endpoint.pk]))
    listed = api.get(reverse(LIST))
    assert "secret" not in one.data and one.data["secret_hint"].endswith(endpoint.secret[-4:])
    assert endpoint.secret not in str(one.content) + str(listed.content)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/hook", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"],
)
def test_a_private_address_is_a_field_error(api, admin, settings, url):
    settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE = False
    response = api.post(reverse(LIST), _body(url=url), format="json")
    assert response.status_code == 400 and "url" in response.data["errors"], response.data
    assert "出于安全考虑不允许" in str(response.data["errors"]["url"]) and not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"events": []}, "events"),
        ({"events": ["no.such"]}, "events"),
        ({"name": " "}, "name"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "x" * 501}, "url"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_added(api, admin, change, field):
    response = api.post(reverse(LIST), _body(**change), format="json")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not Endpoint.objects.exists()


def test_editing_checks_the_address_again_and_keeps_what_is_left_out(api, admin, endpoint, settings):
    settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE = False
    url = reverse("api:webhook-endpoint-detail", args=[endpoint.pk])
    refused = api.patch(url, {"url": "http://192.168.1.20/"}, format="json")
    assert refused.status_code == 400 and "url" in refused.data["errors"]
    endpoint.refresh_from_db()
    assert endpoint.url == PUBLIC
    done = api.patch(url, {"name": "门禁系统二期"}, format="json")
    assert done.status_code == 200 and "secret" not in done.data
    endpoint.refresh_from_db()
    assert endpoint.name == "门禁系统二期" and endpoint.url == PUBLIC and endpoint.events == ["parcel.logged"]


def test_the_secret_is_rotated_and_answered_once(api, admin, endpoint):
    old = endpoint.secret
    response = api.post(reverse("api:webhook-endpoint-rotate-secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert response.status_code == 200 and endpoint.secret != old and response.data["secret"] == endpoint.secret


def test_switching_off_and_on(api, admin, endpoint):
    off = api.post(reverse("api:webhook-endpoint-disable", args=[endpoint.pk]))
    assert off.status_code == 200 and off.data["active"] is False and admin.name in off.data["disabled_reason"]
    again = api.post(reverse("api:webhook-endpoint-disable", args=[endpoint.pk]))
    assert again.status_code == 403 and again.data["code"]
    on = api.post(reverse("api:webhook-endpoint-enable", args=[endpoint.pk]))
    assert on.status_code == 200 and on.data["active"] is True


def test_a_ping_reaches_the_receiver_and_a_redelivery_is_a_new_delivery(api, admin, world):
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(company=world.company, name="x", url=receiver.url, events=["parcel.logged"])
        receiver.secret = endpoint.secret
        ping = api.post(reverse("api:webhook-endpoint-ping", args=[endpoint.pk]))
        assert ping.status_code == 201 and ping.data["status"] == Status.DELIVERED and ping.data["event"] == "ping"
        again = api.post(reverse("api:webhook-delivery-redeliver", args=[ping.data["id"]]))
    assert again.status_code == 201 and again.data["redelivery_of"] == ping.data["id"]
    assert again.data["event_id"] == ping.data["event_id"] and again.data["status"] == Status.DELIVERED
    assert len(receiver.received) == 2 and all(r["signed"] for r in receiver.received)
    logged = api.get(reverse("api:webhook-delivery-list"), {"endpoint": endpoint.pk})
    assert [d["id"] for d in logged.data["results"]] == [again.data["id"], ping.data["id"]]


def test_the_delivery_log_is_filtered(api, admin, endpoint, world):
    other = Endpoint.objects.create(company=world.company, name="y", url=PUBLIC, events=["bill.issued"])
    dead = Delivery.objects.create(endpoint=endpoint, event="parcel.logged", payload={}, status=Status.DEAD)
    Delivery.objects.create(endpoint=other, event="bill.issued", payload={}, status=Status.DELIVERED)
    url = reverse("api:webhook-delivery-list")
    assert [d["id"] for d in api.get(url, {"endpoint": endpoint.pk}).data["results"]] == [dead.pk]
    assert [d["id"] for d in api.get(url, {"status": "dead"}).data["results"]] == [dead.pk]
    assert len(api.get(url).data["results"]) == 2
    bad = api.get(url, {"status": "bogus"})
    assert bad.status_code == 400 and "status" in bad.data["errors"]


def test_only_an_endpoint_never_sent_to_is_deleted(api, admin, endpoint, world):
    used = Endpoint.objects.create(company=world.company, name="y", url=PUBLIC, events=["parcel.logged"])
    Delivery.objects.create(endpoint=used, event="parcel.logged", payload={}, status=Status.DEAD)
    refused = api.delete(reverse("api:webhook-endpoint-detail", args=[used.pk]))
    assert refused.status_code == 403 and "停用" in refused.data["detail"]
    assert Endpoint.objects.filter(pk=used.pk).exists() and Delivery.objects.count() == 1
    done = api.delete(reverse("api:webhook-endpoint-detail", args=[endpoint.pk]))
    assert done.status_code == 204 and not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert AuditEntry.objects.filter(object_type="webhooks.Endpoint", action="delete").exists()


@pytest.mark.parametrize("who", ["supervisor", "pm", "cs", "resident_user"])
def test_other_roles_are_refused(api, world, endpoint, who):
    delivery = Delivery.objects.create(endpoint=endpoint, event="parcel.logged", payload={})
    api.force_authenticate(getattr(world, who))
    assert api.get(reverse(LIST)).status_code == 403
    assert api.post(reverse(LIST), _body(), format="json").status_code == 403
    assert api.post(reverse("api:webhook-endpoint-disable", args=[endpoint.pk])).status_code == 403
    assert api.get(reverse("api:webhook-delivery-list")).status_code == 403
    assert api.post(reverse("api:webhook-delivery-redeliver", args=[delivery.pk])).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.active and Endpoint.objects.count() == 1 and Delivery.objects.count() == 1


def test_another_companys_administrator_sees_nothing(api, world, endpoint, stranger):
    delivery = Delivery.objects.create(endpoint=endpoint, event="parcel.logged", payload={})
    api.force_authenticate(stranger)
    detail = reverse("api:webhook-endpoint-detail", args=[endpoint.pk])
    assert api.get(detail).status_code == 404
    assert api.patch(detail, {"name": "x"}, format="json").status_code == 404
    assert api.delete(detail).status_code == 404
    for name in ("disable", "rotate-secret", "ping"):
        assert api.post(reverse(f"api:webhook-endpoint-{name}", args=[endpoint.pk])).status_code == 404
    assert api.get(reverse("api:webhook-delivery-detail", args=[delivery.pk])).status_code == 404
    assert api.post(reverse("api:webhook-delivery-redeliver", args=[delivery.pk])).status_code == 404
    assert api.get(reverse(LIST)).data["results"] == []
    assert api.get(reverse("api:webhook-delivery-list"), {"endpoint": endpoint.pk}).data["results"] == []
    old = endpoint.secret
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.name == "门禁系统" and endpoint.secret == old and Delivery.objects.count() == 1


# ---------------------------------------------------------------- the page's delete button


def test_the_page_deletes_an_endpoint_never_sent_to_and_refuses_one_with_deliveries(client, world, endpoint):
    from django.contrib.messages import get_messages

    user = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    client.force_login(user)
    page = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert reverse("webhooks:delete", args=[endpoint.pk]) in page
    Delivery.objects.create(endpoint=endpoint, event="parcel.logged", payload={})
    page = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert reverse("webhooks:delete", args=[endpoint.pk]) not in page
    refused = client.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert refused["Location"] == reverse("webhooks:detail", args=[endpoint.pk])
    assert any("停用" in str(m) for m in get_messages(refused.wsgi_request))
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
    Delivery.objects.all().delete()
    done = client.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert done["Location"] == reverse("webhooks:list") and not Endpoint.objects.exists()
