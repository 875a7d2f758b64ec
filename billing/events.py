"""What the money side tells listeners outside it (core/events.py; the webhooks app forwards it): a
bill issued (by a billing run or one at a time), a payment posted (at the desk or online). Amounts in
fen (integers), as the books keep them."""

from core.events import company_of_project, iso, publish, wanted


def _bill(bill) -> dict:
    return {
        "id": bill.pk,
        "number": bill.number,
        "project_id": bill.project_id,
        "room_id": bill.room_id,
        "run_id": bill.run_id,
        "period_start": iso(bill.period_start),
        "period_end": iso(bill.period_end),
        "payer": bill.payer,
        "issued_on": iso(bill.issued_on),
        "due_on": iso(bill.due_on),
        "total_fen": bill.total_fen,
        "state": bill.state,
    }


def bill_issued(bill) -> None:
    publish("bill.issued", company_id=company_of_project(bill.project_id), payload=lambda: {"bill": _bill(bill)})


def bills_issued(project_id: int, bill_ids) -> None:
    """A billing run's chunk: its bills read back only when somebody listens."""
    company_id = company_of_project(project_id)
    if not wanted("bill.issued", company_id):
        return
    from billing.models import Bill

    for bill in Bill.objects.filter(pk__in=list(bill_ids)).order_by("pk"):
        publish("bill.issued", company_id=company_id, payload={"bill": _bill(bill)})


def payment_posted(entry) -> None:
    publish(
        "payment.posted",
        company_id=company_of_project(entry.project_id),
        payload=lambda: {
            "payment": {
                "id": entry.pk,
                "number": entry.number,
                "project_id": entry.project_id,
                "room_id": entry.room_id,
                "method": entry.method,
                "amount_fen": entry.amount_fen,
                "rest_fen": entry.rest_fen,
                "payer_name": entry.payer_name,
                "posted_at": iso(entry.posted_at),
            }
        },
    )
