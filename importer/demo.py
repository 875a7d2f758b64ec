"""Demo data: one finished import (a row of shops) and one waiting for review with a few dirty
rows, both made through the same services the pages use."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from importer import services
from importer.choices import ImportKind


def _xlsx(name: str, rows: list[list]) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def _stage(actor, project, kind, upload):
    session = services.session_upload(actor=actor, project=project, kind=kind, upload=upload)
    session = services.session_map(actor=actor, session=session, mapping=session.mapping)
    return services.session_stage(session_id=session.pk)


def seed(*, company, projects, users, rng):
    actor = users["zhuguan"]
    project = projects["cuihu"]
    shops = [["楼栋", "单元", "房号", "楼层", "产权面积", "用途", "状态"]] + [
        ["商业街", "", f"S{n:02d}", 1, round(rng.uniform(40, 160), 2), "商铺", rng.choice(["出租", "空置"])]
        for n in range(1, 9)
    ]
    done = _stage(actor, project, ImportKind.ROOMS, _xlsx("翠湖花园-商铺台账.xlsx", shops))
    services.session_commit(actor=actor, session=done)
    services.session_commit_run(session_id=done.pk)

    tenants = [["房屋编号", "姓名", "手机", "关系", "起始日期"]]
    for n in range(1, 7):
        tenants.append(
            [
                f"商业街-S{n:02d}",
                f"租户{n}",
                f"+86 139-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "租户",
                "2026-01-01",
            ]
        )
    tenants.append(["商业街-S99", "租户九", "13900009999", "租户", ""])  # no such shop
    tenants.append(["商业街-S02", "租户2", "139 0000", "租户", ""])  # bad phone
    tenants.append(["", "", "", "", ""])
    _stage(actor, project, ImportKind.RESIDENTS, _xlsx("商铺租户.xlsx", tenants))
