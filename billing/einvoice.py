"""Electronic invoices (电子发票) behind one interface: PropDesk records the request (title, tax
number, payment) and a backend issues it. `DevelopmentBackend` issues a made-up number at once;
a real tax-platform backend is a subclass named in settings.BILLING_EINVOICE_BACKEND."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Issued:
    number: str = ""  # the invoice number, when issued
    error: str = ""  # the platform's reason, when refused


class EInvoiceBackend(ABC):
    @abstractmethod
    def issue(self, invoice) -> Issued:
        """Issue `invoice` (billing.models.InvoiceRequest) for its payment's amount."""


class DevelopmentBackend(EInvoiceBackend):
    """Issues every request at once with a development number (DEV + date + the request's id)."""

    def issue(self, invoice) -> Issued:
        return Issued(number=f"DEV{timezone.localdate():%Y%m%d}{invoice.pk:08d}")


def backend() -> EInvoiceBackend:
    path = getattr(settings, "BILLING_EINVOICE_BACKEND", "billing.einvoice.DevelopmentBackend")
    return import_string(path)()
