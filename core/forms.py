"""What every app's forms share."""

from django.core.exceptions import ValidationError


class ServiceErrorsMixin:
    """Put a service's ValidationError on the form: a field's messages on that field when the form
    has it, everything else (a field the form lacks, a message with no field, a plain list) as a
    non-field error. Never raises on an error without a dict."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, messages in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)
