import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ServiceError
from importer import services
from importer.choices import ImportKind
from importer.fields import area, guess_mapping, id_number, phone
from importer.models import ColumnMapping
from importer.tests.sheets import xlsx

pytestmark = pytest.mark.django_db


def test_guess_from_chinese_and_english_headers():
    assert guess_mapping("rooms", ["Building", "Unit", "Room No", "Area"]) == {
        "building": 0,
        "unit": 1,
        "number": 2,
        "area": 3,
    }
    assert guess_mapping("residents", ["房屋编号*", "业主姓名", "联系电话", "身份证号码"]) == {
        "room_code": 0,
        "name": 1,
        "phone": 2,
        "id_number": 3,
    }


def test_the_confirmed_mapping_is_remembered_for_the_company_and_kind(world):
    headers = [["栋号", "房间", "业主手机号X", "自定义列"], ["3", "1502", "13812345678", "x"]]
    first = services.session_upload(actor=world.supervisor, project=world.project, kind="rooms", upload=xlsx(headers))
    assert "building" not in first.mapping  # "栋号" is not a known header
    services.session_map(actor=world.supervisor, session=first, mapping={"building": 0, "number": 1})
    saved = ColumnMapping.objects.get(company=world.company, kind="rooms")
    assert saved.columns == {"栋号": "building", "房间": "number"}
    again = services.session_upload(actor=world.manager, project=world.project, kind="rooms", upload=xlsx(headers))
    assert again.mapping["building"] == 0 and again.mapping["number"] == 1
    other_kind = services.session_upload(
        actor=world.manager, project=world.project, kind="residents", upload=xlsx(headers)
    )
    assert "building" not in other_kind.mapping


def test_mapping_must_name_required_columns_once(world):
    session = services.session_upload(
        actor=world.supervisor,
        project=world.project,
        kind="residents",
        upload=xlsx([["A", "B", "C"], ["1", "2", "3"]]),
    )
    with pytest.raises(ServiceError, match="必须指定“姓名”对应的列") as exc:
        services.session_map(actor=world.supervisor, session=session, mapping={"building": 0})
    assert "房屋编号" in exc.value.message
    with pytest.raises(ServiceError, match="同一列不能同时匹配"):
        services.session_map(actor=world.supervisor, session=session, mapping={"room_code": 0, "name": 0})
    session.refresh_from_db()
    assert session.status == services.SessionStatus.MAPPING
    assert not ColumnMapping.objects.exists()


@given(st.text(alphabet="0123456789 -+", min_size=0, max_size=20))
def test_phone_cleaner_never_crashes_and_returns_digits(text):
    try:
        value = phone(text)
    except Exception as exc:  # only a validation message, never a crash
        assert exc.__class__.__name__ == "ValidationError"
    else:
        assert value.isdigit()


@given(st.decimals(min_value="0.01", max_value="9999999", places=2, allow_nan=False))
def test_area_accepts_every_two_decimal_positive_number(value):
    assert area(str(value)) == str(value.quantize(__import__("decimal").Decimal("0.01")))
    assert area(f"{value}㎡") == area(str(value))


def test_id_number_check_digit():
    assert id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(Exception, match="校验码"):
        id_number("110105194912310021")
    with pytest.raises(Exception, match="18位"):
        id_number("110105491231002")  # 15 digits: first-generation cards are void
    assert id_number("E12345678") == "E12345678"


def test_kind_values():
    assert set(ImportKind.values) == {"rooms", "residents"}
