"""Every residents' page with the cast: owner, family member, tenant, another building's resident,
staff. Another household's records by id are 404; staff are refused; the report reaches the desk's
queue and an unsatisfied rating reopens it through the desk's own return-visit service."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from desk.choices import Channel, Kind, Rating, State
from desk.models import Attachment, ServiceRequest
from desk.selectors import return_visits_due
from desk.services import request_accept, request_arrive, request_dispatch, request_resolve
from frontdesk import services as front
from frontdesk.choices import PassState
from frontdesk.tests.conftest import ID_CARD

PAGES = [
    ("portal:home", ()),
    ("portal:requests", ()),
    ("portal:report", ()),
    ("portal:household", ()),
    ("portal:parcels", ()),
    ("portal:visitors", ()),
    ("portal:notices", ()),
    ("portal:inbox", ()),
]


def jpeg(name="leak.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize("name,args", PAGES)
def test_each_page_for_the_cast(client, cast, name, args):
    url = reverse(name, args=args)
    assert client.get(url).status_code == 302  # not signed in: to the sign-in page
    for who in (cast.owner, cast.family, cast.tenant, cast.other):
        client.force_login(who)
        page = client.get(url)
        assert page.status_code == 200, (who, url)
        assert "处理部门" not in page.content.decode() and "派单" not in page.content.decode()
    client.force_login(cast.staff)
    assert client.get(url).status_code == 403


def report(client, cast, **extra):
    if "_auth_user_id" not in client.session:
        client.force_login(cast.owner)
    data = {"kind": Kind.REPAIR, "title": "厨房漏水", "description": "水槽下面在滴水", "photos": [jpeg()]}
    data.update(extra)
    return client.post(reverse("portal:report"), data)


def test_a_report_reaches_the_desk_queue_with_its_photo(client, cast):
    response = report(client, cast)
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:request", args=[sr.pk])
    assert sr.channel == Channel.PORTAL and sr.state == State.REGISTERED and sr.room == cast.world.room
    assert sr.resident == cast.world.resident and sr.kind == Kind.REPAIR
    photo = Attachment.objects.get(request=sr)
    page = client.get(reverse("portal:request", args=[sr.pk])).content.decode()
    assert "物业已收到" in page and reverse("portal:photo", args=[photo.pk]) in page
    assert client.get(reverse("portal:photo", args=[photo.pk])).status_code == 200
    # the desk sees it in its list like a phone call
    client.force_login(cast.staff)
    assert sr.number in client.get(reverse("desk:list")).content.decode()


def test_a_bad_photo_changes_nothing(client, cast):
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = report(client, cast, photos=[bad])
    assert response.status_code == 400 and not ServiceRequest.objects.exists()


def test_another_households_records_by_id_are_404(client, cast):
    world = cast.world
    report(client, cast)
    sr = ServiceRequest.objects.get()
    photo = Attachment.objects.get()
    parcel = front.parcel_log(actor=world.guard, room_id=world.room.pk, tracking_number="SF1", carrier="顺丰")
    visit = front.visit_preregister(actor=cast.owner, room_id=world.room.pk, name="李", purpose="做客")
    client.force_login(cast.other)
    for url in (
        reverse("portal:request", args=[sr.pk]),
        reverse("portal:photo", args=[photo.pk]),
        reverse("portal:visitor-qr", args=[visit.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert parcel.pickup_code not in client.get(reverse("portal:parcels")).content.decode()
    client.force_login(cast.tenant)  # same room: sees the parcel
    assert parcel.pickup_code in client.get(reverse("portal:parcels")).content.decode()
    client.force_login(cast.staff)
    assert client.get(reverse("portal:request", args=[sr.pk])).status_code == 403


def resolved(cast):
    world = cast.world
    sr = world.register(actor=world.cs, kind=Kind.REPAIR, title="水管漏水")
    request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    request_resolve(actor=world.tech, request=sr, result="更换了阀门")
    sr.refresh_from_db()
    return sr


def test_timeline_in_residents_words_and_an_unsatisfied_rating_reopens(client, cast):
    sr = resolved(cast)
    client.force_login(cast.family)
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:request", args=[sr.pk]) in page and 'id="to-rate"' in page
    page = client.get(reverse("portal:request", args=[sr.pk])).content.decode()
    assert "孙师傅" in page and "已派给" in page and "已处理完成" in page and 'id="rate"' in page
    # unsatisfied without a reason: nothing changes
    assert client.post(reverse("portal:request", args=[sr.pk]), {"rating": Rating.UNSATISFIED}).status_code == 400
    sr.refresh_from_db()
    assert sr.state == State.RESOLVED
    client.post(reverse("portal:request", args=[sr.pk]), {"rating": Rating.UNSATISFIED, "comment": "还在漏"})
    sr.refresh_from_db()
    assert sr.rating == Rating.UNSATISFIED and sr.reopen_count == 1 and sr.state == State.DISPATCHED
    assert sr.events.filter(action="visit", actor=cast.family).exists()
    # the other building cannot rate it
    client.force_login(cast.other)
    assert client.post(reverse("portal:request", args=[sr.pk]), {"rating": Rating.SATISFIED}).status_code == 404


def test_satisfied_rating_leaves_the_desks_visit_list(client, cast, world):
    sr = resolved(cast)
    client.force_login(cast.owner)
    client.post(reverse("portal:request", args=[sr.pk]), {"rating": Rating.SATISFIED})
    sr.refresh_from_db()
    assert sr.state == State.VISITED and sr.rating == Rating.SATISFIED
    assert sr not in return_visits_due(world.cs)


def test_owner_confirms_a_tenants_goods_pass_and_the_tenant_cannot(client, cast, world):
    gp = front.goods_pass_apply(
        actor=cast.tenant,
        data=front.PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="老李",
            carrier_id_number=ID_CARD,
            items=[("沙发", 1)],
        ),
    )
    assert gp.state == PassState.AWAITING_OWNER
    url = reverse("portal:confirm-pass", args=[gp.pk])
    client.force_login(cast.other)
    assert client.post(url).status_code == 404
    client.force_login(cast.tenant)
    client.post(url)
    gp.refresh_from_db()
    assert gp.state == PassState.AWAITING_OWNER
    client.force_login(cast.owner)
    assert "沙发" in client.get(reverse("portal:household")).content.decode()
    client.post(url)
    gp.refresh_from_db()
    assert gp.state == PassState.AUTHORISED and gp.authorised_user == cast.owner


def test_visitor_invitation_gives_a_code_and_a_qr_image(client, cast):
    client.force_login(cast.tenant)
    response = client.post(reverse("portal:visitors"), {"name": "周先生", "purpose": "做客", "people": 1})
    assert response.status_code == 302
    page = client.get(reverse("portal:visitors")).content.decode()
    visit = cast.world.room.visits.get()
    assert visit.code in page
    qr = client.get(reverse("portal:visitor-qr", args=[visit.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


def test_household_lists_the_rooms_people(client, cast):
    client.force_login(cast.tenant)
    page = client.get(reverse("portal:household")).content.decode()
    assert "张三" in page and "张小三" in page and "租客王" in page and "赵六" not in page


def test_a_resident_with_two_rooms_switches(client, cast, world):
    from estate.models import Occupancy

    Occupancy.objects.create(room=world.room2, resident=world.resident, relation="owner")
    client.force_login(cast.owner)
    client.post(reverse("portal:room"), {"room": world.room.pk})
    report(client, cast)
    assert ServiceRequest.objects.get().room == world.room
    client.post(reverse("portal:room"), {"room": world.room2.pk})
    assert "厨房漏水" not in client.get(reverse("portal:requests")).content.decode()
    client.post(reverse("portal:room"), {"room": world.other_room.pk})  # not theirs: ignored
    assert client.session["portal_room"] == world.room2.pk
    client.post(reverse("portal:room"), {"room": world.room.pk})
    assert "厨房漏水" in client.get(reverse("portal:requests")).content.decode()


def test_a_message_with_a_photo_reaches_the_timeline_and_the_technician(client, cast, world):
    from core.models import Notification

    sr = world.register(actor=world.cs, kind=Kind.REPAIR, title="水管漏水")
    request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
    client.force_login(cast.tenant)
    url = reverse("portal:request", args=[sr.pk])
    # an empty message changes nothing
    assert client.post(url, {"message": "1", "text": ""}).status_code == 400
    assert not sr.events.filter(action="attach").exists()
    client.post(url, {"message": "1", "text": "下午三点后在家", "photos": [jpeg()]})
    event = sr.events.get(action="attach")
    assert event.actor == cast.tenant and event.note == "下午三点后在家" and event.attachments.count() == 1
    assert "下午三点后在家" in client.get(url).content.decode()
    assert Notification.objects.filter(user=world.tech, body="下午三点后在家").exists()
    client.force_login(cast.other)
    assert client.post(url, {"message": "1", "text": "x"}).status_code == 404
    assert sr.events.filter(action="attach").count() == 1


def test_a_resident_reports_only_through_the_app_and_only_for_their_rooms(cast, world):
    from core.errors import ActionRefused
    from desk.services import Intake, request_register

    for channel, room in ((Channel.PHONE, world.room), (Channel.PORTAL, world.other_room)):
        with pytest.raises(ActionRefused):
            request_register(
                actor=cast.owner,
                data=Intake(
                    project_id=room.project_id, kind=Kind.REPAIR, title="漏水", channel=channel, room_id=room.pk
                ),
            )
    assert not ServiceRequest.objects.exists()


def test_reporting_for_a_room_that_is_not_theirs_says_so(cast, world):
    """The app's own report service refuses another household's room with its own words (the
    room has residents, just not this one)."""
    from core.errors import ActionRefused
    from portal.services import report_submit

    with pytest.raises(ActionRefused, match="只能为自己居住的房屋报事"):
        report_submit(actor=cast.owner, room_id=world.other_room.pk, kind=Kind.REPAIR, title="漏水")
    assert not ServiceRequest.objects.exists()


def test_the_home_lists_what_is_open_and_what_to_rate_from_one_read(client, cast, django_assert_max_num_queries):
    """The open requests and those to rate come from one query: a resolved request is both open
    and to rate; a rated one is open but not to rate; a closed one is neither."""
    world = cast.world
    to_rate = resolved(cast)
    rated = resolved(cast)
    ServiceRequest.objects.filter(pk=rated.pk).update(rating=Rating.SATISFIED)
    waiting = world.register(actor=world.cs, kind=Kind.REPAIR, title="门铃不响")
    closed = world.register(actor=world.cs, kind=Kind.REPAIR, title="早已处理")
    ServiceRequest.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    client.force_login(cast.owner)
    client.get(reverse("portal:home"))
    # session, user, occupancies, rooms, requests, parcels, announcements, visitors, the owner's
    # passes and leases to confirm, bills, unread messages: one query more fails
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:home"))
    ctx = response.context
    assert [sr.pk for sr in ctx["to_rate"]] == [to_rate.pk]
    assert {sr.pk for sr in ctx["open"]} == {to_rate.pk, rated.pk, waiting.pk}
    assert 'id="to-rate"' in response.content.decode()


def test_a_resident_switches_the_app_to_english_and_back_and_it_stays_on_their_account(client, cast):
    """The company speaks Chinese by default; a resident who reads English switches on the home
    page, and the choice follows them (kept on their account, as the staff's navbar switch does)."""
    from core.models import User

    client.force_login(cast.tenant)
    home = reverse("portal:home")
    assert "English" in client.get(home).content.decode()
    switched = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert switched.status_code == 302 and switched["Location"] == home
    assert User.objects.get(pk=cast.tenant.pk).language == "en"
    page = client.get(home).content.decode()
    assert "Report a repair / complaint" in page and "Log out" in page and "中文" in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    assert "退出" in client.get(home).content.decode()
