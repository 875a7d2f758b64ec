"""print_logins lists every login the demo creates (issue 10: the second clerk and the lobby
assistant of the handover demo were missing), each with its role."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from core.models import User
from desk.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_every_active_demo_login_is_printed_with_its_role():
    seed_demo(requests_per_project=5)
    out = StringIO()
    call_command("print_logins", stdout=out)
    lines = out.getvalue().splitlines()
    users = list(User.objects.filter(is_active=True))
    assert {"kefu2", "datang"} <= {u.username for u in users}
    for user in users:
        line = next((ln for ln in lines if re.match(rf"\s+{re.escape(user.username)}\s", ln)), None)
        assert line is not None, f"{user.username} is not listed"
        assert user.get_role_display() in line, line


def test_demo_and_scale_phones_are_valid_numbers():
    """The demo and the scale generator make residents whose phones the services accept."""
    import random

    from core.phone import normalize_phone
    from desk.demo import random_phone

    rng = random.Random(7)
    phones = [random_phone(rng) for _ in range(2000)]
    assert [p for p in phones if normalize_phone(p) != p] == []


def test_the_demo_owner_finds_a_repair_on_its_way_and_one_to_rate_in_the_app(client):
    """A new user trying the residents' app as 程欣怡 sees what the app is for: a report from the app
    accepted by the technician, and a finished one asking for her rating."""
    from django.urls import reverse

    seed_demo(requests_per_project=5)
    client.force_login(User.objects.get(username="yezhu"))
    page = client.get(reverse("portal:home")).content.decode()
    assert 'id="to-rate"' in page and "卫生间吸顶灯不亮" in page and "厨房水槽下水管漏水" in page
