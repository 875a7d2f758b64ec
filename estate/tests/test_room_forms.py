"""Every way a caller says a room finds that room first (the intake lookup, issue 12): Chinese
numerals (三栋二单元一五零二), the common forms (3栋2单元1502, 3栋2-1502, 3-2-1502室, 3#2-1502),
full-width digits, lettered buildings (B座1502) and basement floors (负一层, 地下室: B1 as the codes
write it), in an estate dense with neighbours (3-2-1501, 3-2-150x, 3-1-1502, 13-2-1502...)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.choices import Role
from estate.choices import RoomState
from estate.models import Building, Room, Unit
from estate.selectors import chinese_number, lookup_rooms, room_code_from_text
from tests.factories import make_project, make_resident, make_user

DIGITS = "零一二三四五六七八九"


def chinese(n: int) -> str:
    """12 -> 十二, 23 -> 二十三, 1502 -> 一千五百零二 (how the number is said)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            out += ("零" if zero and out else "") + DIGITS[d] + unit
            zero = False
        else:
            zero = bool(out)
    return out


def spelled(number: str) -> str:
    """'1502' -> '一五零二' (digit by digit, as a room number is read out)."""
    return "".join(DIGITS[int(c)] if c.isdigit() else c for c in number)


FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def forms(building: str, unit: str | None, number: str) -> list[str]:
    """The ways a caller may say this room (each must name it alone or first)."""
    b, n = building, number
    letter = not b.isdigit()
    bs = [b, b.lower()] if letter else [b, chinese(int(b))]
    says = []
    for bb in bs:
        mark = "座" if letter else "栋"
        if unit is None:
            says += [f"{bb}{mark}{n}", f"{bb}-{n}", f"{bb}{mark}{n}室"]
            continue
        for uu in (unit, chinese(int(unit))):
            says += [f"{bb}{mark}{uu}单元{n}", f"{bb}{mark}{uu}单元{n}室", f"{bb}{mark}{uu}-{n}"]
        says += [f"{bb}-{unit}-{n}", f"{bb}-{unit}-{n}室", f"{bb}#{unit}-{n}"]
        if bb == b:
            says.append(f"{b} {unit} {n}")
        says += [f"{bb}幢{unit}单元{n}号", f"{bb}/{unit}/{n}"]
    if n.isdigit():
        rest = f"{b}栋{unit}单元" if unit and not letter else f"{b}-{unit}-" if unit else f"{b}-"
        says += [rest + spelled(n), rest + chinese(int(n))]
    if n.startswith("B1-"):
        tail = n[3:]
        head = f"{b}栋{unit}单元" if unit else f"{b}栋"
        says += [f"{head}负一层{tail}", f"{head}地下室{tail}", f"{head}-1层{tail}", f"{head}地下一层{tail}"]
    code = Room.make_code(b, unit, n)
    says += [code, code.translate(FULLWIDTH), f" {code} "]
    return says


def make_estate(project):
    """Buildings 1-13 with units 1-2, floors 1-18, two rooms a floor; B座 without units, A座 with
    two; basement store rooms (B1-001...) under building 6 unit 1."""
    rooms = []

    def room(building, unit, number):
        code = Room.make_code(building.number, unit.number if unit else None, number)
        rooms.append(
            Room(
                project=project,
                building=building,
                unit=unit,
                number=number,
                code=code,
                sort_key=Room.make_sort_key(code),
                area=Decimal("90.00"),
                state=RoomState.OCCUPIED,
            )
        )

    for b in [*(str(i) for i in range(1, 14)), "A"]:
        building = Building.objects.create(project=project, number=b, floors=18)
        for u in ("1", "2"):
            unit = Unit.objects.create(building=building, number=u)
            for floor in (1, 2, 9, 10, 15, 18):
                for r in (1, 2):
                    room(building, unit, f"{floor}{r:02d}")
    b_block = Building.objects.create(project=project, number="B", floors=18)
    for floor in (1, 10, 15):
        for r in (1, 2):
            room(b_block, None, f"{floor}{r:02d}")
    six_one = Unit.objects.get(building__project=project, building__number="6", number="1")
    for i in (1, 2, 12):
        room(six_one.building, six_one, f"B1-{i:03d}")
    Room.objects.bulk_create(rooms)
    return list(Room.objects.filter(project=project).select_related("building", "unit"))


@pytest.fixture
def estate(world):
    project = make_project(world.company, "p9", "锦绣苑")
    clerk = make_user("clerk9", Role.CS_STAFF, [project], None, world.company)
    return clerk, make_estate(project)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_form_of_a_real_rooms_code_finds_that_room_first(estate, data):
    clerk, rooms = estate
    room = data.draw(st.sampled_from(rooms), label="room")
    said = data.draw(st.sampled_from(forms(room.building.number, room.unit.number if room.unit else None, room.number)))
    found = lookup_rooms(clerk, said)
    assert found, said
    assert found[0].code == room.code, (said, [r.code for r in found])


@pytest.mark.parametrize(
    "said, code",
    [
        ("三栋二单元1502", "3-2-1502"),
        ("3栋2单元1502", "3-2-1502"),
        ("3栋2-1502", "3-2-1502"),
        ("3-2-1502室", "3-2-1502"),
        ("3-2-1502", "3-2-1502"),
        ("三栋二单元一五零二", "3-2-1502"),
        ("十二栋一单元一千五百零二", "12-1-1502"),
        ("B座1502", "B-1502"),
        ("b座1502", "B-1502"),
        ("6栋1单元负一层001", "6-1-B1-001"),
        ("6栋1单元地下室001", "6-1-B1-001"),
        ("负一层", "B1"),
        ("地下二层", "B2"),
        ("张三", "张三"),  # a name stays a name
        ("三", "三"),
    ],
)
def test_room_code_from_text_reads_numerals_letters_and_basements(said, code):
    assert room_code_from_text(said).upper() == code.upper()


@pytest.mark.parametrize(
    "run, number",
    [("三", "3"), ("十二", "12"), ("二十", "20"), ("一百零二", "102"), ("一千五百零二", "1502"), ("一五零二", "1502")],
)
def test_chinese_numbers(run, number):
    assert chinese_number(run) == number
    assert chinese(int(number)) == run or spelled(number) == run


def test_a_building_and_number_without_the_unit_finds_every_units_room(estate):
    clerk, _rooms = estate
    assert [r.code for r in lookup_rooms(clerk, "3栋1502")] == ["3-1-1502", "3-2-1502"]
    assert [r.code for r in lookup_rooms(clerk, "A座1502")] == ["A-1-1502", "A-2-1502"]


def test_basement_rooms_by_floor_and_by_number(estate):
    clerk, _rooms = estate
    assert [r.code for r in lookup_rooms(clerk, "负一层001")] == ["6-1-B1-001"]
    assert [r.code for r in lookup_rooms(clerk, "B1-012")] == ["6-1-B1-012"]
    assert [r.code for r in lookup_rooms(clerk, "6栋1单元地下室")] == ["6-1-B1-001", "6-1-B1-002", "6-1-B1-012"]


def test_a_name_with_a_numeral_is_still_a_name(world):
    """张三 lives at 3-2-1502; '三' must not become building 3 (whose other rooms would flood in)."""
    make_resident(world.room2, "王五", "13600001111")
    assert [r.code for r in lookup_rooms(world.cs, "张三")] == ["3-2-1502"]
    assert [r.code for r in lookup_rooms(world.cs, "王五")] == ["3-2-1501"]
