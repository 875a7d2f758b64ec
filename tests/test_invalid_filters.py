"""One filter set feeds the request list page, the API and the export (desk/filters.py); a value it
cannot read gets the same answer from all three (core/filters.py): 400 with the filter's field
errors, no rows, no file. Each bad input of the table is tried on all three."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import ExportRecord
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/requests/"
API = "/api/requests/"
EXPORT = "/import/export/requests.xlsx"

# (query string, the field refused); "other" stands for the other project's id (not the user's).
BAD = [
    ("state=abc", "state"),
    ("state=10&state=11", "state"),
    ("department=99999999999999999999", "department"),
    ("assignee=-1", "assignee"),
    ("room=1e3", "room"),
    ("project=other", "project"),
    ("category=0", "category"),
    ("created_from=notadate", "created_from"),
    ("created_to=2026-02-30", "created_to"),
    ("kind=nonsense", "kind"),
    ("due=later", "due"),
    ("severity=huge", "severity"),
]


def _query(world, query: str) -> str:
    return query.replace("=other", f"={world.other_project.pk}")


@pytest.fixture
def desk(world, client):
    world.register(title="楼上漏水")
    assert client.login(username=world.cs.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("query,field", BAD)
def test_the_list_page_refuses_an_invalid_filter_and_says_why(world, desk, query, field):
    response = desk.get(f"{PAGE}?{_query(world, query)}")

    assert response.status_code == 400
    assert list(response.context["filter"].errors) == [field]
    html = response.content.decode()
    assert 'id="form-errors"' in html and "筛选条件无效" in html
    assert "楼上漏水" not in html  # no rows: not the unfiltered list passed off as the filtered one


@pytest.mark.parametrize("query,field", BAD)
def test_the_api_refuses_an_invalid_filter_with_its_field_errors(world, query, field):
    world.register(title="楼上漏水")
    api = APIClient()
    api.force_login(world.cs)

    response = api.get(f"{API}?{_query(world, query)}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field]


@pytest.mark.parametrize("query,field", BAD)
def test_the_export_refuses_an_invalid_filter_and_writes_no_file(world, desk, query, field):
    response = desk.get(f"{EXPORT}?{_query(world, query)}")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert list(response.context["filter"].errors) == [field]
    assert "筛选条件无效，未导出。" in response.content.decode()
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize("query,field", BAD)
def test_all_three_give_the_same_messages(world, desk, query, field):
    query = _query(world, query)
    api = APIClient()
    api.force_login(world.cs)

    page = desk.get(f"{PAGE}?{query}").context["filter"].errors
    export = desk.get(f"{EXPORT}?{query}").context["filter"].errors
    from_api = api.get(f"{API}?{query}").json()["errors"]

    assert page == export
    assert {k: [str(m) for m in v] for k, v in page.items()} == from_api


@pytest.mark.parametrize("query", ["", "state=10&state=20", "open=true", "created_from=2026-01-01", "q=漏水"])
def test_a_valid_filter_answers_200_on_all_three(world, desk, query):
    api = APIClient()
    api.force_login(world.cs)
    assert desk.get(f"{PAGE}?{query}").status_code == 200
    assert api.get(f"{API}?{query}").status_code == 200
    assert desk.get(f"{EXPORT}?{query}").status_code == 200


def test_the_refused_export_leads_back_to_the_list_with_the_same_filter(world, desk):
    response = desk.get(f"{EXPORT}?state=abc&kind=repair")
    assert f'href="{reverse("desk:list")}?state=abc&amp;kind=repair"' in response.content.decode()
