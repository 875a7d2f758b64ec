"""What the front desk tells listeners outside it (core/events.py; the webhooks app forwards it):
a parcel logged or collected, a visitor checked in, a goods pass verified at the gate. Public fields
only: no pickup or pass code (they open a door), a visitor's phone and ID number masked."""

from core.events import company_of_project, iso, publish
from core.phone import mask_phone
from core.privacy import mask_id


def _parcel(parcel) -> dict:
    return {
        "id": parcel.pk,
        "project_id": parcel.project_id,
        "room_id": parcel.room_id,
        "kind": parcel.kind,
        "carrier": parcel.carrier,
        "tracking_number": parcel.tracking_number,
        "shelf": parcel.shelf,
        "state": parcel.state,
        "arrived_at": iso(parcel.arrived_at),
        "due_at": iso(parcel.due_at),
        "handed_at": iso(parcel.handed_at),
        "method": parcel.method,
        "collector_name": parcel.collector_name,
    }


def parcel_logged(parcel) -> None:
    publish(
        "parcel.logged", company_id=company_of_project(parcel.project_id), payload=lambda: {"parcel": _parcel(parcel)}
    )


def parcel_collected(parcel) -> None:
    publish(
        "parcel.collected",
        company_id=company_of_project(parcel.project_id),
        payload=lambda: {"parcel": _parcel(parcel)},
    )


def visitor_checked_in(visit) -> None:
    publish(
        "visitor.checked_in",
        company_id=company_of_project(visit.project_id),
        payload=lambda: {
            "visit": {
                "id": visit.pk,
                "project_id": visit.project_id,
                "room_id": visit.room_id,
                "name": visit.name,
                "phone": mask_phone(visit.phone),
                "id_type": visit.id_type,
                "id_number": mask_id(visit.id_number),
                "people": visit.people,
                "purpose": visit.purpose,
                "preregistered": bool(visit.code),
                "time_in": iso(visit.time_in),
            }
        },
    )


def pass_verified(goods_pass, check) -> None:
    publish(
        "pass.verified",
        company_id=company_of_project(goods_pass.project_id),
        payload=lambda: {
            "pass": {
                "id": goods_pass.pk,
                "project_id": goods_pass.project_id,
                "room_id": goods_pass.room_id,
                "valid_on": iso(goods_pass.valid_on),
                "state": goods_pass.state,
                "applicant_name": goods_pass.applicant_name,
                "carrier_name": goods_pass.carrier_name,
                "released_at": iso(goods_pass.released_at),
            },
            "check": {"id": check.pk, "outcome": check.outcome, "differences": check.differences, "at": iso(check.at)},
        },
    )
