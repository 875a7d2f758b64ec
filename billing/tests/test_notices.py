"""The notices as PDF: the fee notice (收费通知单) of a room and of a whole building, the written
notice (催缴函) and the lobby notice. Chinese renders (the text comes back out of the PDF), hostile
text stays text, the payer is named by role and room, never by name or phone.

Set ARREARS_PDF_DIR to keep the files (to look at them: pdftoppm -png -r 60 file.pdf out)."""

import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.tests.arrears_factories import fee_item, make_bill, settings_for
from tests.factories import PASSWORD, make_room

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")

HOSTILE = "<script>alert(1)</script>"


def pdf_text(content: bytes, name: str) -> str:
    assert content.startswith(b"%PDF")
    keep = os.environ.get("ARREARS_PDF_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / name).write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return out.stdout.decode()


@pytest.fixture
def owing(world):
    item = fee_item(world.company)
    parking = fee_item(world.company, "tc", "停车管理费", account_code="6002")
    world.project.address = "杭州市西湖区翠湖路88号"
    world.project.phone = "0571-88886666"
    world.project.save()
    due = timezone.localdate() - timedelta(days=45)
    make_bill(world.room, [(item, 30000), (parking, 15000)], period_start=due.replace(day=1), due_on=due)
    bill = make_bill(world.room, [(item, 12000)], period_start=due.replace(day=1), due_on=due, disputed=True)
    bill.dispute_reason = HOSTILE
    bill.save()
    make_bill(world.room2, [(item, 25000)], period_start=due.replace(day=1), due_on=due)
    return bill


def get(client, user, url):
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content


def test_the_fee_notice_of_a_room(client, world, owing):
    text = pdf_text(get(client, world.cs, reverse("billing:notice-room-pdf", args=[world.room.pk])), "notice.pdf")
    assert "收费通知单" in text and "3-2-1502" in text and "业主" in text
    assert "物业服务费" in text and "停车管理费" in text
    assert "450.00" in text  # the total to pay leaves the disputed bill out
    assert "0571-88886666" in text
    assert "张三" not in text and "13812345678" not in text
    assert HOSTILE in text  # shown as text, not markup


def test_a_buildings_notices_in_one_file_one_page_per_room(client, world, owing):
    make_room(world.project, "3", "2", "1601")  # nothing owed: no page
    url = reverse("billing:notice-building-pdf", args=[world.project.pk, world.room.building_id])
    content = get(client, world.cs, url)
    text = pdf_text(content, "building.pdf")
    assert "3-2-1501" in text and "3-2-1502" in text and "3-2-1601" not in text
    assert text.count("收费通知单") == 2
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True).stdout.decode()
    assert re.search(r"^Pages:\s+2$", info, re.M)


def test_the_written_notice_asks_for_the_overdue_undisputed_amount(client, world, owing):
    text = pdf_text(get(client, world.cs, reverse("billing:letter-pdf", args=[world.room.pk])), "letter.pdf")
    assert "催缴函" in text and "3-2-1502" in text and "450.00" in text
    assert "120.00" not in text  # the disputed bill is not dunned
    assert "张三" not in text


def test_no_letter_for_a_room_with_nothing_overdue(client, world):
    assert client.login(username="cs", password=PASSWORD)
    response = client.get(reverse("billing:letter-pdf", args=[world.room.pk]))
    assert response.status_code == 302


def test_the_lobby_notice_lists_rooms_and_amounts_only(client, world, owing):
    settings_for(world.company, lobby_notice_rooms=True)
    text = pdf_text(get(client, world.cs, reverse("billing:lobby-notice-pdf", args=[world.project.pk])), "lobby.pdf")
    assert "3-2-1502" in text and "450.00" in text and "3-2-1501" in text and "250.00" in text
    for private in ("张三", "李四", "13812345678", "13900001111"):
        assert private not in text
