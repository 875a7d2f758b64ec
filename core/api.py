"""One error shape for the API: {"detail": "...", "code": "...", "errors": {field: [messages]}}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        code = {403: "refused", 409: "conflict"}.get(exc.status, "invalid")
        return Response({"detail": exc.message, "code": code}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = DRFValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is not None and not isinstance(exc, DRFValidationError) and isinstance(response.data, dict):
        response.data.setdefault("code", getattr(exc, "default_code", "error"))
    if response is not None and isinstance(exc, DRFValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        first = next(iter(errors.values()), [""])
        detail = first[0] if isinstance(first, list) and first else str(first)
        response.data = {"detail": str(detail), "code": "invalid", "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    return response
