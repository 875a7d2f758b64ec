"""One error shape for the API: {"detail": "...", "code": "...", "errors": {field: [messages]}};
and the pieces every app's API shares: the body read through a serializer, the schema of a
workflow step."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        code = {403: "refused", 409: "conflict"}.get(exc.status, "invalid")
        return Response({"detail": exc.message, "code": code}, status=exc.status)
    # Django's own refusals (a record not found, `Requires.check`) as DRF's, so that their code is
    # "not_found" / "permission_denied" like every other 404 and 403, not "error".
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        exc = DRFValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is not None and not isinstance(exc, DRFValidationError) and isinstance(response.data, dict):
        response.data.setdefault("code", getattr(exc, "default_code", "error"))
    if response is not None and isinstance(exc, DRFValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": _first_message(errors), "code": "invalid", "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    return response


def _first_message(errors) -> str:
    """The first message of DRF's errors, however nested (a list's own error sits under
    `{"field": {"non_field_errors": [...]}}`, an item's under `{"field": [{}, {"x": [...]}]}`)."""
    if isinstance(errors, dict):
        values = list(errors.values())
    elif isinstance(errors, list):
        values = errors
    else:
        return str(errors)
    for value in values:
        found = _first_message(value)
        if found:
            return found
    return ""


# The one error shape, as the schema shows it.
class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(label=_("说明"))
    code = serializers.CharField(label=_("错误代码"), required=False, help_text=_("invalid、refused 或 conflict"))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        label=_("字段错误"),
        help_text=_("字段名 → 错误信息列表"),
    )


ERROR_RESPONSES = {
    400: OpenApiResponse(ApiErrorSerializer, description=_("输入有误，未作任何修改；errors 按字段列出原因。")),
    403: OpenApiResponse(ApiErrorSerializer, description=_("无权执行，detail 说明原因。")),
    404: OpenApiResponse(ApiErrorSerializer, description=_("记录不存在或您无权查看。")),
    409: OpenApiResponse(ApiErrorSerializer, description=_("记录刚被其他人修改过，请刷新后再试。")),
}


def valid(serializer_class, request, **kwargs):
    """The request's body through `serializer_class` (400 with the field errors when it is not
    valid): the validated serializer."""
    body = serializer_class(data=request.data, **kwargs)
    body.is_valid(raise_exception=True)
    return body


def step_schema(summary, *, tag: str, request, response, description=None, responses=None):
    """The schema of one workflow step (a POST action on a record): its body, the record it answers
    with, and the shared errors (`responses` adds or replaces some)."""
    return extend_schema(
        summary=summary,
        description=description,
        tags=[tag],
        request=request,
        responses={200: response, **ERROR_RESPONSES, **(responses or {})},
    )


class FileSerializer(serializers.ModelSerializer):
    """A stored file (a photo, a drawing, an attachment): its name, type, size and `url`, the
    address it is downloaded from: a page that takes the API's token too
    (core.auth.accepts_api_token) and serves the file only to who may see what it belongs to.
    A subclass names that page (`url_name`) and its model in Meta."""

    url_name = ""
    url = serializers.SerializerMethodField(label=_("下载地址"))

    def get_url(self, row) -> str:
        return reverse(self.url_name, args=[row.pk])
