"""Benchmark: import 100,000 residents from one .xlsx through the same service path as the pages.

    .venv/bin/python bench/bench_import.py [--residents 100000] [--keep]

Makes its own PostgreSQL database (`propdesk_bench_importer` on 127.0.0.1:5432, dropped and
created again; override with BENCH_DATABASE_URL), migrates it, then:
1. writes a rooms workbook (buildings × units × floors × rooms, about residents / 2.5 rooms) and a
   residents workbook (1-4 people a room, phones written as people do: +86, dashes, spaces);
2. imports the rooms (stage = parse + validate + keep the staged rows; commit);
3. imports the residents, timing: parse alone (reading every row of the workbook), stage
   (parse + validate every row + write the staged rows), commit (one transaction).
Target: stage + commit of the residents ≤ 60 s.
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DB_NAME = "propdesk_bench_importer"
BASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
os.environ["DATABASE_URL"] = BASE.rstrip("/") + "/" + DB_NAME
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")
# the uploaded workbooks go to a temporary directory, removed at the end, not to var/media
_MEDIA = __import__("tempfile").TemporaryDirectory(prefix="bench-import-")
os.environ["MEDIA_ROOT"] = _MEDIA.name


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(BASE.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def workbook(rows) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国志红英文博子涵雨桐浩然欣怡宇轩"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    args = parser.parse_args()
    recreate_database()

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"database {connection.settings_dict['NAME']} migrated in {time.perf_counter() - t:.1f} s", flush=True)

    from core.choices import Role
    from core.models import Company, Project, User
    from importer import services
    from importer.choices import ImportKind, SessionStatus
    from importer.reader import open_table

    rng = random.Random(2026)
    company = Company.objects.create(name="基准物业", code="bench")
    project = Project.objects.create(company=company, name="基准花园", code="bench")
    user = User.objects.create(username="bench", role=Role.CS_MANAGER, company=company)
    user.projects.add(project)

    rooms_needed = int(args.residents / 2.5) + 1
    per_building = 2 * 33 * 4  # units × floors × rooms a floor
    buildings = rooms_needed // per_building + 1
    room_rows = [["楼栋", "单元", "房号", "楼层", "产权面积", "用途", "状态"]]
    codes = []
    for b in range(1, buildings + 1):
        for u in (1, 2):
            for f in range(1, 34):
                for r in range(1, 5):
                    if len(codes) >= rooms_needed:
                        break
                    number = f"{f}{r:02d}"
                    codes.append(f"{b}-{u}-{number}")
                    room_rows.append(
                        [f"{b}栋", f"{u}单元", number, f, round(rng.uniform(60, 180), 2), "住宅", "已入住"]
                    )
    resident_rows = [["房屋编号", "姓名", "手机", "关系", "身份证号"]]
    relations = ["业主", "家庭成员", "家庭成员", "租户"]
    i = 0
    while len(resident_rows) <= args.residents:
        code = codes[i % len(codes)]
        names = set()
        for k in range(rng.randint(1, 4)):
            if len(resident_rows) > args.residents:
                break
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
            if name in names:  # two people of the same name in one household would be a duplicate row
                continue
            names.add(name)
            phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
            shown = rng.choice(
                [phone, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", f"{phone[:3]} {phone[3:7]} {phone[7:]}"]
            )
            resident_rows.append([code, name, shown, relations[min(k, 3)], ""])
        i += 1

    t = time.perf_counter()
    rooms_file = workbook(room_rows)
    residents_file = workbook(resident_rows)
    print(
        f"generated {len(room_rows) - 1:,} rooms ({len(rooms_file) / 1e6:.1f} MB) and "
        f"{len(resident_rows) - 1:,} residents ({len(residents_file) / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s"
    )

    def run(kind, name, content):
        upload = SimpleUploadedFile(name, content)
        t0 = time.perf_counter()
        session = services.session_upload(actor=user, project=project, kind=kind, upload=upload)
        t_upload = time.perf_counter() - t0
        session = services.session_map(actor=user, session=session, mapping=session.mapping)
        t1 = time.perf_counter()
        with session.file.open("rb") as fh:
            parsed = sum(1 for _ in open_table(fh, session.file_format).rows)
        t_parse = time.perf_counter() - t1
        t2, c2 = time.perf_counter(), time.process_time()
        session = services.session_stage(session_id=session.pk)
        t_stage, c_stage = time.perf_counter() - t2, time.process_time() - c2
        assert session.status == SessionStatus.REVIEW and session.error_rows == 0, (session.message, session.error_rows)
        t3, c3 = time.perf_counter(), time.process_time()
        services.session_commit(actor=user, session=session)
        session = services.session_commit_run(session_id=session.pk)
        t_commit, c_commit = time.perf_counter() - t3, time.process_time() - c3
        assert session.status == SessionStatus.DONE, session.message
        print(
            f"{kind:9s} {parsed:>7,} rows | upload+headers {t_upload:5.1f} s | parse only {t_parse:5.1f} s | "
            f"stage (parse+validate+keep rows) {t_stage:5.1f} s | commit {t_commit:5.1f} s | "
            f"stage+commit {t_stage + t_commit:5.1f} s | created {session.created_counts}\n"
            f"          python CPU: stage {c_stage:5.1f} s, commit {c_commit:5.1f} s (the rest is waiting: database, other processes)",
            flush=True,
        )
        return t_stage + t_commit

    run(ImportKind.ROOMS, "rooms.xlsx", rooms_file)
    total = run(ImportKind.RESIDENTS, "residents.xlsx", residents_file)
    print(f"residents: {total:.1f} s for parse, validate and commit (target ≤ 60 s): {'OK' if total <= 60 else 'SLOW'}")
    from bench.results import report

    report(f"import {len(resident_rows) - 1:,} residents (stage + commit)", "≤ 60 s", f"{total:.1f} s", total <= 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
