"""The renovation pages with the cast: who may, who may not, and what they see."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import RevealLog
from renovation import services
from renovation.choices import FeeKind, State
from renovation.models import Renovation, Worker
from renovation.tests.helpers import ID1, apply, drive, make_id, png, violate
from tests.files import fake_pdf, pdf

pytestmark = pytest.mark.django_db


def form_data(world, **kw):
    today = timezone.localdate()
    data = {
        "project": world.project.pk,
        "room_code": "3-2-1502",
        "owner_phone": "",
        "scope": "厨房改造",
        "planned_start": (today + timedelta(days=3)).isoformat(),
        "planned_end": (today + timedelta(days=40)).isoformat(),
        "contractor_name": "美家装饰",
        "contractor_licence": "91330106MA2X",
        "contractor_person": "周工",
        "contractor_phone": "139 1234 5678",
        "workers": f"王师傅 {ID1} 13700001111 水电",
        "drawings": png(),
    }
    data.update(kw)
    return data


# ---------------------------------------------------------------- anonymous and scoping


@pytest.mark.parametrize("name", ["renovation:list", "renovation:apply"])
def test_anonymous_visitors_sign_in(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_another_projects_renovation_is_404(client, world):
    r = apply(world)
    client.force_login(world.outsider)
    for name in ("renovation:detail", "renovation:inspect", "renovation:permit", "renovation:passes"):
        assert client.get(reverse(name, args=[r.pk])).status_code == 404
    assert client.post(reverse("renovation:act", args=[r.pk, "approve"]), {"version": 1}).status_code == 404
    file_pk = r.files.get().pk
    assert client.get(reverse("renovation:file", args=[file_pk])).status_code == 404
    response = client.get(reverse("renovation:list"))
    assert r.number not in response.content.decode()


def test_a_residents_neighbour_does_not_see_it(client, world):
    r = apply(world)
    from tests.factories import make_user

    u = make_user("nb", "resident", company=world.company)
    world.neighbour.user = u
    world.neighbour.save()
    client.force_login(u)
    assert client.get(reverse("renovation:detail", args=[r.pk])).status_code == 404


# ---------------------------------------------------------------- apply


def test_desk_applies_through_the_form(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("renovation:apply"), form_data(world))
    r = Renovation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("renovation:detail", args=[r.pk])
    assert r.room == world.room and r.contractor_phone == "13912345678"
    assert r.workers.get().trade == "水电" and r.files.count() == 1


def test_form_errors_are_shown_and_nothing_changes(client, world):
    client.force_login(world.cs)
    response = client.post(
        reverse("renovation:apply"), form_data(world, room_code="9-9-999", workers="王 123 138", contractor_phone="1")
    )
    assert response.status_code == 400
    assert "这个项目没有房屋 9-9-999" in response.content.decode()
    assert not Renovation.objects.exists()
    response = client.post(reverse("renovation:apply"), form_data(world, workers="王 123 13800001111"))
    assert response.status_code == 400 and "第 1 位工人" in response.content.decode()
    assert not Renovation.objects.exists()


def test_resident_applies_from_the_phone(client, world):
    client.force_login(world.resident_user)
    response = client.get(reverse("renovation:apply"))
    assert response.status_code == 200 and "3-2-1502" in response.content.decode()
    data = form_data(world, room=world.room.pk)
    data.pop("project"), data.pop("room_code")
    response = client.post(reverse("renovation:apply"), data)
    assert response.status_code == 302
    r = Renovation.objects.get()
    assert r.by_resident
    # the resident may not pick a room that is not theirs
    r.state = State.CANCELLED
    r.save()
    data["room"] = world.room2.pk
    response = client.post(reverse("renovation:apply"), data)
    assert response.status_code == 400 and Renovation.objects.count() == 1


@pytest.mark.parametrize("who", ["tech", "guard", "finance"])
def test_staff_who_do_not_take_applications_get_403(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("renovation:apply")).status_code == 403
    assert client.post(reverse("renovation:apply"), form_data(world)).status_code == 403
    assert not Renovation.objects.exists()


# ---------------------------------------------------------------- actions


def test_reviewer_approves_on_the_page(client, world):
    r = apply(world)
    client.force_login(world.supervisor)
    page = client.get(reverse("renovation:detail", args=[r.pk])).content.decode()
    assert 'id="btn-approve"' in page and 'id="btn-pay"' not in page
    response = client.post(
        reverse("renovation:act", args=[r.pk, "approve"]), {"version": r.version, "deposit": "2000", "fee": "480.5"}
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.state == State.APPROVED and str(r.fee_due) == "480.50"


@pytest.mark.parametrize("who", ["tech", "resident_user"])
def test_worker_or_resident_acting_as_staff_is_403(client, world, who):
    r = drive(world, State.SUBMITTED)
    client.force_login(getattr(world, who))
    response = client.post(reverse("renovation:act", args=[r.pk, "approve"]), {"version": r.version})
    assert response.status_code == 403
    r.refresh_from_db()
    assert r.state == State.SUBMITTED


def test_resident_sees_only_their_actions(client, world):
    r = drive(world, State.RETURNED)
    client.force_login(world.resident_user)
    page = client.get(reverse("renovation:detail", args=[r.pk])).content.decode()
    assert 'id="btn-resubmit"' in page and 'id="btn-cancel"' in page and 'id="btn-approve"' not in page
    response = client.get(reverse("renovation:resubmit", args=[r.pk]))
    assert response.status_code == 200 and "请补充水电图" in response.content.decode()


def test_permit_refused_before_deposit_shows_a_message(client, world):
    r = drive(world, State.APPROVED)
    client.force_login(world.cs)
    response = client.post(reverse("renovation:act", args=[r.pk, "permit"]), {"version": r.version}, follow=True)
    assert "尚未登记装修押金" in response.content.decode()
    r.refresh_from_db()
    assert r.state == State.APPROVED


def test_payment_form_errors_redisplay(client, world):
    r = drive(world, State.APPROVED)
    client.force_login(world.finance)
    response = client.post(
        reverse("renovation:act", args=[r.pk, "pay"]),
        {
            "version": r.version,
            "kind": FeeKind.DEPOSIT,
            "amount": "0",
            "paid_at": "2026-01-01T10:00",
            "receipt_number": "X",
        },
    )
    assert response.status_code == 400 and "金额必须大于 0" in response.content.decode()
    assert not r.payments.exists()


def test_inspection_page_with_camera_upload(client, world):
    r = drive(world, State.IN_PROGRESS)
    client.force_login(world.tech)
    page = client.get(reverse("renovation:inspect", args=[r.pk])).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    response = client.post(
        reverse("renovation:inspect", args=[r.pk]),
        {
            "version": r.version,
            "inspected_on": timezone.localdate().isoformat(),
            "result": "violation",
            "violation": "拆除阳台承重墙",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    assert response.status_code == 302
    v = r.violations.get()
    assert v.description == "拆除阳台承重墙" and v.photos.count() == 2
    # the photo is served to the project's staff, not to another project's
    photo = v.photos.first()
    assert client.get(reverse("renovation:file", args=[photo.pk])).status_code == 200
    client.force_login(world.outsider)
    assert client.get(reverse("renovation:file", args=[photo.pk])).status_code == 404


def test_inspection_of_a_renovation_not_in_progress_is_refused_on_the_page(client, world):
    r = drive(world, State.PAID)
    client.force_login(world.tech)
    response = client.get(reverse("renovation:inspect", args=[r.pk]), follow=True)
    assert "不能执行“装修巡查”" in response.content.decode()
    client.force_login(world.resident_user)
    assert client.get(reverse("renovation:inspect", args=[r.pk])).status_code == 403


def test_rectify_and_to_request_row_actions(client, world):
    r = drive(world, State.IN_PROGRESS)
    v = violate(world, r).violations.get()
    client.force_login(world.cs)
    page = client.get(reverse("renovation:detail", args=[r.pk])).content.decode()
    assert "转为工单" in page and "确认整改" in page
    response = client.post(reverse("renovation:act", args=[r.pk, "to_request"]), {"version": r.version, "target": v.pk})
    assert response.status_code == 302
    v.refresh_from_db()
    assert v.request is not None
    r.refresh_from_db()
    response = client.post(
        reverse("renovation:act", args=[r.pk, "accept"]), {"version": r.version, "inspected_on": timezone.localdate()}
    )
    r.refresh_from_db()
    assert r.state == State.IN_PROGRESS  # open violation: refused, state kept
    client.post(
        reverse("renovation:act", args=[r.pk, "rectify"]), {"version": r.version, "target": v.pk, "note": "已恢复"}
    )
    v.refresh_from_db()
    assert not v.is_open


def test_refund_early_is_refused_on_the_page(client, world):
    r = drive(world, State.ACCEPTED)
    client.force_login(world.finance)
    response = client.post(
        reverse("renovation:act", args=[r.pk, "refund"]), {"version": r.version, "receipt_number": "TK"}, follow=True
    )
    assert "押金保留期未满" in response.content.decode()
    r.refresh_from_db()
    assert r.state == State.ACCEPTED


# ---------------------------------------------------------------- privacy


def test_worker_id_numbers_are_masked_and_reveal_is_logged(client, world):
    r = drive(world, State.IN_PROGRESS)
    worker = Worker.objects.get(renovation=r)
    client.force_login(world.cs)
    page = client.get(reverse("renovation:detail", args=[r.pk])).content.decode()
    assert ID1 not in page and "1101**********002X" in page
    assert "13700001111" not in page and "137****1111" in page
    url = reverse("privacy-reveal", args=["renovation.worker", worker.pk, "id_number"])
    response = client.post(url)
    if response.status_code == 200:  # this role may see ID numbers in full: the read is logged
        assert ID1 in response.content.decode()
        assert RevealLog.objects.filter(object_type="renovation.Worker", field="id_number").exists()
    else:
        assert response.status_code in (403, 404)
    client.force_login(world.outsider)
    assert client.post(url).status_code in (403, 404)


# ---------------------------------------------------------------- lists and prints


def test_list_filters_and_bounded_queries(client, world, django_assert_max_num_queries):
    from tests.factories import make_room

    for i in range(12):
        room = make_room(world.project, "5", "1", f"{i + 1:02d}01")
        apply(world, room=room)
    drive(world, State.APPROVED)
    client.force_login(world.cs)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("renovation:list"))
    assert response.status_code == 200 and response.content.decode().count("ZXSQ") == 13
    response = client.get(reverse("renovation:list"), {"state": State.APPROVED})
    assert response.content.decode().count("ZXSQ") == 1
    response = client.get(reverse("renovation:list"), {"overdue": "on"})
    assert response.content.decode().count("ZXSQ") == 0
    Renovation.objects.filter(state=State.SUBMITTED).update(review_due_at=timezone.now() - timedelta(hours=1))
    response = client.get(reverse("renovation:list"), {"overdue": "on"})
    assert response.content.decode().count("ZXSQ") == 12 and "审核超时" in response.content.decode()


def test_detail_page_bounded_queries(client, world, django_assert_max_num_queries):
    r = drive(world, State.IN_PROGRESS)
    for _ in range(3):
        violate(world, r)
    for i in range(3):
        w = services.renovation_add_worker(
            actor=world.cs, renovation=r, name=f"工人{i}", id_number=make_id(i), phone="13700002222"
        )
        services.renovation_issue_pass(actor=world.cs, renovation=r, worker=w)
    client.force_login(world.cs)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("renovation:detail", args=[r.pk]))
    assert response.status_code == 200


def test_permit_pdf_and_print_page(client, world):
    from core import calendar

    calendar.seed_from_package([2026])
    r = drive(world, State.PAID)
    client.force_login(world.cs)
    assert client.get(reverse("renovation:permit", args=[r.pk]), follow=True).status_code == 200  # not yet: a message
    services.renovation_issue_permit(actor=world.cs, renovation=r)
    html = client.get(reverse("renovation:permit", args=[r.pk]), {"html": 1}).content.decode()
    assert r.permit_number in html and "3-2-1502" in html and "周工" in html
    assert "工作日 08:00–12:00、14:00–18:00" in html
    assert "12:00–14:00 午间禁止噪声作业" in html and "18:00 至次日 08:00" in html
    assert "13912345678" not in html  # contractor phone masked on the door
    response = client.get(reverse("renovation:permit", args=[r.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_passes_print_masks_ids(client, world):
    r = drive(world, State.IN_PROGRESS)
    wp = services.renovation_issue_pass(actor=world.cs, renovation=r, worker=r.workers.get())
    client.force_login(world.cs)
    html = client.get(reverse("renovation:passes", args=[r.pk]), {"html": 1}).content.decode()
    assert wp.number in html and ID1 not in html and "1101**********002X" in html
    assert str(wp.valid_until) in html
    client.force_login(world.resident_user)
    assert client.get(reverse("renovation:passes", args=[r.pk])).status_code == 403


def test_nav_entry(client, world):
    client.force_login(world.cs)
    assert reverse("renovation:list") in client.get(reverse("renovation:list")).content.decode()


@pytest.mark.parametrize(("who", "allowed"), [("guard", False), ("cs", False), ("tech", True), ("supervisor", True)])
def test_final_acceptance_only_by_engineering_or_supervisors(client, world, who, allowed):
    """QA: guards and CS staff were offered and allowed 竣工验收; the guide gives it to engineering
    and supervisors only."""
    r = drive(world, State.IN_PROGRESS)
    client.force_login(getattr(world, who))
    page = client.get(reverse("renovation:detail", args=[r.pk])).content.decode()
    assert ('id="btn-accept"' in page) is allowed
    response = client.post(
        reverse("renovation:act", args=[r.pk, "accept"]), {"version": r.version, "inspected_on": timezone.localdate()}
    )
    r.refresh_from_db()
    assert (r.state == State.ACCEPTED) is allowed
    if not allowed:
        assert response.status_code == 403


def test_a_security_lead_is_not_a_reviewer(client, world):
    """QA: any department lead (security, cleaning) could approve and was told about overdue reviews;
    the guide and the refusal message name the engineering lead only."""
    from core.choices import DepartmentKind, Role
    from tests.factories import make_user

    guard_lead = make_user(
        "guard_lead", Role.DEPT_LEAD, [world.project], world.dept[DepartmentKind.SECURITY], world.company
    )
    r = drive(world, State.SUBMITTED)
    client.force_login(guard_lead)
    assert 'id="btn-approve"' not in client.get(reverse("renovation:detail", args=[r.pk])).content.decode()
    response = client.post(
        reverse("renovation:act", args=[r.pk, "approve"]), {"version": r.version, "deposit": "2000", "fee": "100"}
    )
    assert response.status_code == 403
    r.refresh_from_db()
    assert r.state == State.SUBMITTED
    assert set(services._reviewers(world.project.pk)) >= {world.lead, world.supervisor}
    assert guard_lead not in set(services._reviewers(world.project.pk))


# ---------------------------------------------------------------- drawings are what they claim (issue 10)


def test_an_html_file_dressed_as_a_pdf_drawing_is_refused_with_a_message(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.cs)
    response = client.post(reverse("renovation:apply"), form_data(world, drawings=fake_pdf("平面图.pdf")))
    assert response.status_code == 400
    assert "文件“平面图.pdf”不是有效的 PDF" in response.content.decode()
    assert not Renovation.objects.exists() and not any(tmp_path.rglob("*.*"))
    # the same on adding drawings to an application
    r = apply(world)
    count = r.files.count()
    response = client.post(
        reverse("renovation:act", args=[r.pk, "drawings"]), {"version": r.version, "files": [fake_pdf("水电图.pdf")]}
    )
    assert response.status_code == 400
    assert "文件“水电图.pdf”不是有效的 PDF" in response.content.decode()
    assert r.files.count() == count
    r.refresh_from_db()
    response = client.post(
        reverse("renovation:act", args=[r.pk, "drawings"]), {"version": r.version, "files": [pdf("水电图.pdf")]}
    )
    assert response.status_code == 302
    assert r.files.filter(content_type="application/pdf").count() == 1


def test_a_pdf_drawing_is_served_as_a_download_and_an_image_inline(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("renovation:apply"), form_data(world, drawings=[png(), pdf("平面图.pdf")]))
    assert response.status_code == 302
    image, document = Renovation.objects.get().files.order_by("pk")
    response = client.get(reverse("renovation:file", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    response = client.get(reverse("renovation:file", args=[image.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
