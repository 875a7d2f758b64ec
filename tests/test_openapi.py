"""The OpenAPI description is complete and valid: drf-spectacular generates it without a warning or
an error (`manage.py spectacular --validate --fail-on-warn`), every API URL is in it, and every POST
says it honours `Idempotency-Key`."""

import re

import pytest
import yaml
from django.core.management import call_command

from core.idempotency import HEADER
from tests.access import named_patterns


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    out = tmp_path_factory.mktemp("schema") / "schema.yml"
    # --fail-on-warn turns any warning (an undocumented field, an unknown type, an enum clash) into
    # a failure; --validate checks the result against the OpenAPI 3 specification.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    return yaml.safe_load(out.read_text(encoding="utf-8"))


def _openapi_path(route: str) -> str:
    """A Django route (path converters or a router's regex) as the schema writes it."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)  # a router's regex group
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)  # a path converter
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + route.replace("{pk}", "{id}")


def test_the_schema_is_valid_without_warnings(schema):
    assert schema["openapi"].startswith("3.") and schema["paths"]


def test_every_api_url_is_described(schema):
    paths = set(schema["paths"])
    missing = []
    for name, route in named_patterns(skip=False).items():
        if not (route.startswith("api/") or "/api/" in route) or name in {"schema", "api-docs"}:
            continue
        path = _openapi_path(route)
        if path not in paths:
            missing.append(f"{name} {path}")
    assert not missing, missing


def test_every_operation_has_a_summary_or_description_and_every_post_the_key(schema):
    undocumented, keyless = [], []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if path.startswith("/api/") and path != "/api/token/":
                if not (operation.get("summary") or operation.get("description")):
                    undocumented.append(f"{method.upper()} {path}")
            if method == "post" and path != "/api/token/":
                names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
                if HEADER not in names:
                    keyless.append(path)
    assert not undocumented, undocumented
    assert not keyless, keyless
