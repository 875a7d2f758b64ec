"""Reads for the webhook pages: a user sees their own company's endpoints and deliveries only."""

from webhooks.models import Delivery, Endpoint


def endpoints(user):
    return Endpoint.objects.filter(company_id=user.company_id).order_by("-active", "name", "pk")


def endpoint(user, pk: int) -> Endpoint:
    return Endpoint.objects.get(company_id=user.company_id, pk=pk)


def delivery(user, pk: int) -> Delivery:
    return Delivery.objects.select_related("endpoint").get(endpoint__company_id=user.company_id, pk=pk)


def deliveries(endpoint: Endpoint, status: str = ""):
    qs = Delivery.objects.filter(endpoint=endpoint)
    return qs.filter(status=status) if status else qs
