"""The registration pages with the cast: who may and who may not; forms that explain; PDFs."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from desk.models import ServiceRequest
from estate.choices import RoomState
from registrations import services
from registrations.choices import LeaseState, MoveInState, Section
from registrations.models import Lease, MoveIn
from registrations.views import SPECS

pytestmark = pytest.mark.django_db
SLUGS = list(SPECS)
ID = "11010519491231002X"


def act(client, slug, record, action, **data):
    return client.post(reverse("registrations:act", args=[slug, record.pk, action]), data)


@pytest.fixture
def records(world, vacant_room, day):
    movein = services.movein_open(actor=world.cs, room=vacant_room, person_name="周杰", move_in_on=day)
    lease = services.lease_register(
        actor=world.cs,
        room=world.room,
        tenant_name="吴租",
        id_type="id_card",
        id_number=ID,
        tenant_phone="13600001234",
        start=date(2026, 12, 1),
        end=date(2027, 11, 30),
    )
    transfer = services.transfer_open(actor=world.cs, room=world.room2, new_owner_name="郑新", effective_on=day)
    handover = services.handover_open(actor=world.cs, project=world.project, developer="翠湖置业", accepted_on=day)
    return {"moveins": movein, "leases": lease, "transfers": transfer, "handovers": handover}


@pytest.mark.parametrize("slug", SLUGS)
def test_anonymous_visitors_sign_in(client, records, slug):
    for url in (
        reverse("registrations:list", args=[slug]),
        reverse("registrations:detail", args=[slug, records[slug].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("who", ["cs", "supervisor", "manager", "pm"])
def test_the_desk_sees_lists_details_and_forms(client, world, records, slug, who):
    client.force_login(getattr(world, who))
    record = records[slug]
    listing = client.get(reverse("registrations:list", args=[slug]))
    assert listing.status_code == 200 and record.number in listing.content.decode()
    assert client.get(reverse("registrations:detail", args=[slug, record.pk])).status_code == 200
    assert client.get(reverse("registrations:new", args=[slug])).status_code == 200


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("who", ["tech", "guard", "finance", "lead"])
def test_workers_and_finance_are_refused(client, world, records, slug, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("registrations:list", args=[slug])).status_code == 403
    assert client.get(reverse("registrations:new", args=[slug])).status_code == 403
    assert client.get(reverse("registrations:detail", args=[slug, records[slug].pk])).status_code == 404
    assert act(client, slug, records[slug], "cancel", reason="x").status_code == 404


@pytest.mark.parametrize("slug", SLUGS)
def test_another_projects_staff_get_404(client, world, records, slug):
    client.force_login(world.outsider)
    record = records[slug]
    assert client.get(reverse("registrations:detail", args=[slug, record.pk])).status_code == 404
    assert client.get(reverse("registrations:pdf", args=[slug, record.pk])).status_code == 404
    assert act(client, slug, record, "cancel", reason="x").status_code == 404
    listing = client.get(reverse("registrations:list", args=[slug]))
    assert record.number not in listing.content.decode()
    record.refresh_from_db()
    assert record.state == 10


def test_a_resident_may_view_their_own_rooms_lease_but_not_act(client, world, records):
    client.force_login(world.resident_user)
    lease = records["leases"]
    page = client.get(reverse("registrations:detail", args=["leases", lease.pk]))
    assert page.status_code == 200 and ID not in page.content.decode()
    assert act(client, "leases", lease, "cancel", reason="x").status_code == 403
    assert client.get(reverse("registrations:detail", args=["transfers", records["transfers"].pk])).status_code == 404
    assert client.get(reverse("registrations:list", args=["leases"])).status_code == 403


def test_the_id_number_is_masked_on_the_page(client, world, records):
    client.force_login(world.cs)
    body = client.get(reverse("registrations:detail", args=["leases", records["leases"].pk])).content.decode()
    assert ID not in body and "1101**********002X" in body and "136****1234" in body


def test_new_move_in_from_the_form(client, world, vacant_room):
    client.force_login(world.cs)
    response = client.post(
        reverse("registrations:new", args=["moveins"]),
        {
            "project": world.project.pk,
            "room_code": "5栋1单元0801",
            "person_name": "周杰",
            "person_phone": "",
            "relation": "owner",
            "move_in_on": "2026-11-20",
            "note": "",
        },
    )
    movein = MoveIn.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registrations:detail", args=["moveins", movein.pk]
    )


def test_new_form_redisplays_errors_and_refusals(client, world):
    client.force_login(world.cs)
    url = reverse("registrations:new", args=["moveins"])
    response = client.post(
        url,
        {
            "project": world.project.pk,
            "room_code": "9-9-9999",
            "person_name": "",
            "relation": "owner",
            "move_in_on": "2026-11-20",
        },
    )
    assert response.status_code == 400 and "没有找到房屋" in response.content.decode()
    response = client.post(
        url,
        {
            "project": world.project.pk,
            "room_code": "3-2-1502",
            "person_name": "周杰",
            "relation": "owner",
            "move_in_on": "2026-11-20",
        },
    )
    assert response.status_code == 400 and "不能办理入住" in response.content.decode()
    other = client.post(
        url,
        {
            "project": world.other_project.pk,
            "room_code": "1-1-101",
            "person_name": "x",
            "relation": "owner",
            "move_in_on": "2026-11-20",
        },
    )
    assert other.status_code == 400  # not one of my projects
    assert not MoveIn.objects.exists()


def test_lease_form_end_before_start_is_shown_on_the_field(client, world):
    client.force_login(world.cs)
    response = client.post(
        reverse("registrations:new", args=["leases"]),
        {
            "project": world.project.pk,
            "room_code": "3-2-1502",
            "tenant_name": "吴租",
            "id_type": "id_card",
            "id_number": ID,
            "tenant_phone": "13600001234",
            "start": "2027-01-02",
            "end": "2027-01-01",
        },
    )
    assert response.status_code == 400 and "租期结束日期不能早于开始日期" in response.content.decode()
    assert not Lease.objects.exists()


def test_move_in_workflow_through_the_pages(client, world, records, vacant_room):
    client.force_login(world.cs)
    movein = records["moveins"]
    refused = act(client, "moveins", movein, "complete")
    assert refused.status_code == 302
    follow = client.get(refused["Location"]).content.decode()
    assert "还不能办结入住" in follow
    for check in movein.checks.filter(mandatory=True):
        assert act(client, "moveins", movein, "check", check=check.pk, checked="1", note="").status_code == 302
    assert act(client, "moveins", movein, "rules").status_code == 302
    bad = act(client, "moveins", movein, "fees", amount="-5", months="", receipt="")
    assert bad.status_code == 400 and "金额不能为负数" in bad.content.decode()
    assert act(client, "moveins", movein, "fees", amount="1200", months="6", receipt="R9").status_code == 302
    assert act(client, "moveins", movein, "key", kind="entry", count="2", receiver="周杰").status_code == 302
    assert act(client, "moveins", movein, "inspect", note="良好").status_code == 302
    assert act(client, "moveins", movein, "defect", location="客厅", description="地砖空鼓").status_code == 302
    defect = movein.defects.get()
    assert act(client, "moveins", movein, "repair", defect=defect.pk).status_code == 302
    defect.refresh_from_db()
    assert defect.request.kind == "repair"
    assert act(client, "moveins", movein, "complete", note="").status_code == 302
    movein.refresh_from_db()
    vacant_room.refresh_from_db()
    assert movein.state == MoveInState.COMPLETED and movein.fees_amount == Decimal("1200")
    assert vacant_room.state == RoomState.OCCUPIED
    page = client.get(reverse("registrations:detail", args=["moveins", movein.pk])).content.decode()
    assert defect.request.number in page and "办结入住" in page


def test_a_defect_of_another_record_cannot_be_converted_through_this_one(client, world, records, vacant_room):
    handover = records["handovers"]
    defect = services.defect_add(actor=world.cs, handover=handover, location="屋面", description="渗漏")
    client.force_login(world.cs)
    response = act(client, "moveins", records["moveins"], "repair", defect=defect.pk)
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_lease_activation_through_the_page(client, world, records):
    client.force_login(world.cs)
    lease = records["leases"]
    response = act(client, "leases", lease, "activate")
    assert "缺少业主确认" in client.get(response["Location"]).content.decode()
    assert (
        act(
            client, "leases", lease, "confirm", owner_name="张三", method="present", confirmed_at="", note=""
        ).status_code
        == 302
    )
    assert act(client, "leases", lease, "activate").status_code == 302
    lease.refresh_from_db()
    assert lease.state == LeaseState.ACTIVE
    from billing.tests.arrears_factories import fee_item, make_bill

    make_bill(lease.room, [(fee_item(world.company), 8800)], period_start=date(2026, 10, 1))
    page = client.get(reverse("registrations:detail", args=["leases", lease.pk])).content.decode()
    assert 'id="room-owed"' in page and "88.00" in page
    bad = act(client, "leases", lease, "move_out", on="2027-03-01", note="")
    assert bad.status_code == 400 and "未缴费用 88.00" in bad.content.decode()
    assert Lease.objects.get(pk=lease.pk).state == LeaseState.ACTIVE


def test_only_the_project_manager_sees_the_sign_button(client, world, records):
    handover = records["handovers"]
    client.force_login(world.cs)
    assert act(client, "handovers", handover, "sign").status_code == 302
    handover.refresh_from_db()
    assert handover.state == 10
    services.handover_add_item(actor=world.cs, handover=handover, section=Section.BUILDING, name="外墙", result="ok")
    services.handover_add_item(actor=world.cs, handover=handover, section=Section.DOCUMENTS, name="竣工图", quantity=2)
    client.force_login(world.pm)
    assert (
        'data-bs-target="#pane-sign"'
        in client.get(reverse("registrations:detail", args=["handovers", handover.pk])).content.decode()
    )
    assert act(client, "handovers", handover, "sign", note="同意").status_code == 302
    handover.refresh_from_db()
    assert handover.state == 50


@pytest.mark.parametrize("slug", SLUGS)
def test_list_pages_have_a_bounded_query_count(client, world, records, slug, django_assert_max_num_queries):
    for i in range(6):
        room = records["moveins"].room if slug != "moveins" else None
        if slug == "moveins":
            from tests.factories import make_room

            r = make_room(world.project, "6", "1", f"10{i}")
            r.state = RoomState.VACANT
            r.save()
            services.movein_open(actor=world.cs, room=r, person_name=f"人{i}", move_in_on=date(2026, 1, 1))
        elif slug == "leases":
            services.lease_register(
                actor=world.cs,
                room=world.room2,
                tenant_name=f"租{i}",
                id_type="passport",
                id_number=f"E{i}123",
                tenant_phone="13600001234",
                start=date(2027, 1, 1),
                end=date(2027, 6, 1),
            )
        elif slug == "handovers":
            services.handover_open(
                actor=world.cs, project=world.project, developer=f"开发{i}", accepted_on=date(2026, 1, 1)
            )
        else:
            services.transfer_open(
                actor=world.cs, room=room, new_owner_name=f"新{i}", effective_on=date(2026, 1, 1)
            ) if i == 0 else None
    client.force_login(world.cs)
    client.get(reverse("registrations:list", args=[slug]))  # warm the choice caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("registrations:list", args=[slug]) + f"?project={world.project.pk}&q=")
    assert response.status_code == 200


def test_list_filters_by_state_and_room(client, world, records):
    client.force_login(world.cs)
    url = reverse("registrations:list", args=["leases"])
    assert records["leases"].number in client.get(url + "?q=3-2-1502").content.decode()
    assert records["leases"].number not in client.get(url + "?q=3-2-1501").content.decode()
    assert records["leases"].number not in client.get(url + "?state=30").content.decode()
    assert records["leases"].number in client.get(url + "?state=&q=").content.decode()  # "all" is the default
    assert (
        '<select name="state" id="id_state" class="form-select form-select-sm"><option value="">全部</option>'
        in client.get(url).content.decode()
    )


def test_project_and_building_filters_read_all_not_dashes(client, world, records):
    """QA: the project and building filters showed Django's "---------" as their empty choice."""
    client.force_login(world.cs)
    page = client.get(reverse("registrations:list", args=["moveins"])).content.decode()
    assert "---------" not in page
    for name in ("project", "building"):
        assert (
            f'<select name="{name}" id="id_{name}" class="form-select form-select-sm"><option value="">全部</option>'
            in page
        )


@pytest.mark.parametrize("slug", SLUGS)
def test_printable_form_is_a_pdf_with_masked_numbers(client, world, records, slug):
    client.force_login(world.cs)
    response = client.get(reverse("registrations:pdf", args=[slug, records[slug].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_pdf_template_masks_the_id(rf, world, records):
    from django.template.loader import render_to_string

    from registrations.views import SPECS, _detail_context

    request = rf.get("/")
    request.user = world.cs
    context = _detail_context(request, SPECS["leases"], records["leases"])
    html = render_to_string("registrations/lease_pdf.html", context)
    assert ID not in html and "1101**********002X" in html and "13600001234" not in html


def test_the_household_timeline_shows_the_registrations(world, records):
    from estate.timeline import room_timeline

    entries = room_timeline(room=world.room, user=world.cs, only={"movein", "lease", "transfer"})
    assert [e.source for e in entries] == ["lease"]
    assert entries[0].url == reverse("registrations:detail", args=["leases", records["leases"].pk])
    assert room_timeline(room=world.room, user=world.outsider, only={"lease"}) == []
    assert room_timeline(room=world.room, user=world.tech, only={"lease"}) == []
    assert len(room_timeline(room=world.room, user=world.resident_user, only={"lease"})) == 1


def test_each_timeline_source_is_one_query(world, records, django_assert_num_queries):
    """One query is the timeline source's documented contract (estate/timeline.py)."""
    from registrations.timeline_items import lease_entries

    world.cs.project_ids()  # cached on the user as on a page
    with django_assert_num_queries(1):
        lease_entries(room=world.room, user=world.cs, limit=50)


def test_index_counts_open_records(client, world, records):
    client.force_login(world.cs)
    response = client.get(reverse("registrations:index"))
    assert response.status_code == 200
    assert [n for _s, _l, n, _url in response.context["cards"]] == [1, 1, 1, 1]


def test_each_index_card_opens_its_list_at_the_state_records_start_in(client, world, records):
    from registrations.choices import STARTED

    client.force_login(world.cs)
    for spec, _label, _n, url in client.get(reverse("registrations:index")).context["cards"]:
        listed = client.get(url)
        assert listed.status_code == 200, url
        assert listed.context["filter"].form.cleaned_data["state"] == STARTED[spec.model.KIND]


def test_new_from_the_household_page_prefills_the_room_and_owner(client, world):
    client.force_login(world.cs)
    response = client.get(reverse("registrations:new", args=["moveins"]) + f"?room={world.room.pk}")
    form = response.context["form"]
    assert form.initial["room_code"] == "3-2-1502" and form.initial["person_name"] == "张三"
    other = client.get(reverse("registrations:new", args=["moveins"]) + f"?room={world.other_room.pk}")
    assert "room_code" not in other.context["form"].initial  # not one of my rooms


# ---------------------------------------------------------------- a room as staff type it


@pytest.mark.parametrize("typed", ["3栋2单元1502", "３-２-１５０２", " 3-2-1502 ", "3幢2单元1502室", "3#2-1502"])
def test_the_room_is_read_as_staff_type_it(world, typed):
    from registrations.forms import RoomForm

    form = RoomForm({"project": world.project.pk, "room_code": typed}, user=world.cs)
    assert form.is_valid(), form.errors
    assert form.room == world.room


@pytest.mark.parametrize("typed", ["1栋1单元101", "１-１-１０１", " 1-1-101 "])
def test_another_projects_room_is_not_found_and_named_as_typed(world, typed):
    from registrations.forms import RoomForm

    form = RoomForm({"project": world.project.pk, "room_code": typed}, user=world.cs)
    assert not form.is_valid() and form.room is None
    assert form.errors["room_code"] == [f"在这个项目没有找到房屋“{typed.strip()}”。"]


@pytest.mark.parametrize("typed", ["3栋2单元1502", "３-２-１５０２", " 3-2-1502 "])
def test_the_list_finds_the_room_as_typed(client, world, records, typed):
    client.force_login(world.cs)
    url = reverse("registrations:list", args=["leases"])
    assert records["leases"].number in client.get(url, {"q": typed}).content.decode()
    assert records["leases"].number not in client.get(url, {"q": "1栋1单元101"}).content.decode()
