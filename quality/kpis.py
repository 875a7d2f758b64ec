"""The KPIs of DOMAIN.md, each with the definition it is computed by, shown next to the figure.

Targets are the usual ones of common practice (DOMAIN.md), shown for comparison only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from desk.choices import STATE_COLOUR, Kind, State


@dataclass
class Kpi:
    key: str
    name: str
    numerator: int
    denominator: int
    formula: str
    definition: str
    target: str = ""
    # A figure is "good" when it is at least `good_at` (or at most, when `lower_is_better`).
    good_at: float | None = None
    lower_is_better: bool = False
    digits: int = 1
    # How the numerator and denominator read on the card when not plain counts (money in yuan).
    numerator_text: str = ""
    denominator_text: str = ""

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return 100.0 * self.numerator / self.denominator

    @property
    def display(self) -> str:
        value = self.value
        return "—" if value is None else f"{value:.{self.digits}f}%"

    @property
    def status(self) -> str:
        """'success', 'danger' or '' (no target or no data)."""
        value = self.value
        if value is None or self.good_at is None:
            return ""
        ok = value <= self.good_at if self.lower_is_better else value >= self.good_at - 1e-9
        return "success" if ok else "danger"


def percent(numerator: int, denominator: int) -> float | None:
    return 100.0 * numerator / denominator if denominator else None


def kpis(review: dict) -> list[Kpi]:
    c = review["counts"]
    households = review["households"]
    return [
        Kpi(
            "complaint_handling",
            _("投诉处理率"),
            c["complaints_handled"],
            c["complaints"],
            _("已处理投诉 ÷ 受理投诉"),
            _(
                "受理投诉 = 本月登记的投诉（不含已取消）；已处理 = 其中至少完成过一次或已结案的"
                "（无效投诉向业户解释后结案，也算已处理）。"
            ),
            "100%",
            100.0,
        ),
        Kpi(
            "complaint_timeliness",
            _("投诉处理及时率"),
            c["complaints_on_time"],
            c["complaints_timed"],
            _("按时完成的投诉 ÷ 有完成时限且已完成的投诉"),
            _("以首次完成为准：首次完成不晚于完成时限即为按时，之后重开不改变结果；尚未完成的投诉不计入。"),
            _("由公司设定"),
        ),
        Kpi(
            "complaint_visit",
            _("投诉回访率"),
            c["complaints_visited"],
            c["complaints_resolved"],
            _("已回访的投诉 ÷ 已完成的投诉"),
            _("已完成 = 本月登记、至少完成过一次的投诉；已回访 = 其中有回访评价的。"),
            "100%",
            100.0,
        ),
        Kpi(
            "valid_complaint",
            _("有效投诉率"),
            c["complaints_valid"],
            households,
            _("本月有效投诉 ÷ 入住户数"),
            _(
                "统计期为本月（不是全年）。入住户数 = 本项目用途为住宅、商铺或办公、状态为已入住或出租的房屋数"
                "（按当前状态）。常用目标是全年 ≤2%，折合每月约 ≤0.17%。"
            ),
            _("全年 ≤2%（每月约 ≤0.17%）"),
            2.0 / 12,
            lower_is_better=True,
            digits=2,
        ),
        Kpi(
            "repair_timeliness",
            _("维修及时率"),
            c["repairs_on_time"],
            c["repairs_timed"],
            _("按时完成的报修 ÷ 有完成时限且已完成的报修"),
            _("以首次完成为准。本月报修中尚未完成的 %(n)s 张不计入。")
            % {"n": max(c["repairs"] - c["repairs_resolved"], 0)},
            "95%–100%",
            95.0,
        ),
        Kpi(
            "repair_pass",
            _("维修合格率"),
            c["repairs_passed"],
            c["repairs_visited"],
            _("回访满意或基本满意的报修 ÷ 已回访的报修"),
            _("本系统以回访代替验收：回访评价不是“不满意”即为合格。这是本系统的定义，未回访（抽样之外）的报修不计入。"),
            "98%",
            98.0,
        ),
        Kpi(
            "satisfaction",
            _("满意率"),
            c["good"],
            c["rated"],
            _("（满意 + 基本满意）÷（满意 + 基本满意 + 不满意）"),
            _("本月登记、已回访的全部工单，按最近一次回访评价计；未回访的不计入。"),
            "≥90%",
            90.0,
        ),
    ]


def general_figures(review: dict) -> list[Kpi]:
    """The month's overall timeliness and return-visit rate, all kinds together."""
    c = review["counts"]
    return [
        Kpi(
            "timeliness",
            _("首次完成及时率（全部工单）"),
            c["on_time"],
            c["timed"],
            _("首次按时完成的工单 ÷ 有完成时限且已完成的工单"),
            _("按时 = 首次完成不晚于完成时限；尚未完成的不计入。"),
        ),
        Kpi(
            "visit_rate",
            _("回访率（全部需回访的工单）"),
            c["visits_done"],
            c["visits_owed"],
            _("已回访 ÷ 需回访且已完成"),
            _("投诉全部回访；报修按抽样规则和必回访分类决定是否回访。"),
        ),
    ]


# ------------------------------------------------------------------ the page


def duration(seconds: float | None) -> str:
    """A span for a table cell: 3小时5分, 2天4小时; — when there is none."""
    if seconds is None:
        return "—"
    from desk.templatetags.desk_tags import span

    return span(timedelta(seconds=seconds))


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _group_rows(rows: list[dict], empty_name: str) -> list[dict]:
    return [
        {
            **r,
            "name": r["name"] or empty_name,
            "satisfaction": percent(r["good"], r["rated"]),
            "timeliness": percent(r["on_time"], r["timed"]),
        }
        for r in rows
    ]


def present_review(review: dict) -> dict:
    """The review's numbers → tables and chart data for the page, labels in the reader's language."""
    counts = review["counts"]
    present_states = sorted({r["state"] for r in review["kind_state"]})
    matrix = {}
    for r in review["kind_state"]:
        matrix.setdefault(r["kind"], {})[r["state"]] = r["n"]
    kind_rows = [
        {
            "kind": k,
            "label": Kind(k).label,
            "cells": [matrix[k].get(s, 0) for s in present_states],
            "total": sum(matrix[k].values()),
        }
        for k in Kind.values
        if k in matrix
    ]
    state_totals = [sum(matrix[k].get(s, 0) for k in matrix) for s in present_states]
    labels = {"all": _("全部工单"), Kind.COMPLAINT.value: _("投诉"), Kind.REPAIR.value: _("报修")}
    resolution = [
        {
            "label": labels[key],
            "n": fig["n"],
            "avg": duration(fig["avg"]),
            "p50": duration(fig["p50"]),
            "p90": duration(fig["p90"]),
            "avg_hours": hours(fig["avg"]),
        }
        for key, fig in review["resolution"].items()
    ]
    today = timezone.localdate()
    daily = [{**d, "future": d["day"] > today} for d in review["daily"]]  # the month is not over yet
    categories = _group_rows(review["by_category"], _("未分类"))
    departments = _group_rows(review["by_department"], _("未派单"))
    charts = {
        "category": {
            "names": [r["name"] for r in categories],
            "series": [
                {"name": _("投诉"), "data": [r["complaints"] for r in categories]},
                {"name": _("报修"), "data": [r["repairs"] for r in categories]},
                {"name": _("其他"), "data": [r["total"] - r["complaints"] - r["repairs"] for r in categories]},
            ],
            "rate": {"name": _("满意率"), "data": [_round(r["satisfaction"]) for r in categories]},
        },
        "department": {
            "names": [r["name"] for r in departments],
            "series": [{"name": _("工单数"), "data": [r["total"] for r in departments]}],
            "rate": {"name": _("及时率"), "data": [_round(r["timeliness"]) for r in departments]},
            "rate2": {"name": _("满意率"), "data": [_round(r["satisfaction"]) for r in departments]},
        },
        "daily": {
            "names": [f"{d['day']:%m-%d}" for d in daily],
            "series": [
                {"name": _("全部工单"), "data": [None if d["future"] else d["total"] for d in daily]},
                {"name": _("投诉"), "data": [None if d["future"] else d["complaints"] for d in daily]},
                {"name": _("报修"), "data": [None if d["future"] else d["repairs"] for d in daily]},
            ],
        },
        "hourly": {
            "names": [f"{h['hour']:02d}" for h in review["hourly"]],
            "series": [
                {"name": _("全部工单"), "data": [h["total"] for h in review["hourly"]]},
                {"name": _("投诉"), "data": [h["complaints"] for h in review["hourly"]]},
            ],
        },
    }
    busiest = max(review["hourly"], key=lambda h: h["complaints"]) if counts["complaints"] else None
    return {
        "counts": counts,
        "kpis": kpis(review),
        "general": general_figures(review),
        "states": [{"state": s, "label": State(s).label, "colour": STATE_COLOUR[State(s)]} for s in present_states],
        "kind_rows": kind_rows,
        "state_totals": state_totals,
        "resolution": resolution,
        "categories": categories,
        "departments": departments,
        "daily": daily,
        "hourly": review["hourly"],
        "busiest_hour": busiest,
        "repeat_count": review["repeat_count"],
        "repeat": review["repeat"],
        "by_building": review["by_building"],
        "households": review["households"],
        "charts": charts,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# ------------------------------------------------------------------ money (billing)


def money_kpis(project_id: int, month) -> list[Kpi]:
    """The fee collection rates (收缴率) and arrears recovered (清欠率) of the month, from billing's
    figures (billing/figures.py defines them), beside the desk's KPIs."""
    from billing.figures import review_kpis
    from billing.money import yuan

    f = review_kpis(project_id, month)
    (collected, billed), (paid_rooms, rooms), (recovered, owed) = f["amount"], f["household"], f["recovery"]
    return [
        Kpi(
            "collection_amount",
            _("收缴率（按金额）"),
            collected,
            billed,
            _("本月账单已收 ÷ 本月账单应收"),
            _("本月账单 = 账期从本月开始的账单明细（不含作废）；已收截至今天。"),
            _("由公司设定"),
            numerator_text=f"{yuan(collected):,}",
            denominator_text=f"{yuan(billed):,}",
        ),
        Kpi(
            "collection_household",
            _("收缴率（按户数）"),
            paid_rooms,
            rooms,
            _("本月账单全部缴清的户数 ÷ 本月出账户数"),
            _("截至今天。"),
            _("由公司设定"),
        ),
        Kpi(
            "recovery",
            _("清欠率"),
            recovered,
            owed,
            _("本月收回的往期欠费 ÷ 月初往期欠费"),
            _("往期欠费 = 月初以前已到应缴日期的账单在月初时的未缴余额；冲红按发生月份扣减。"),
            _("由公司设定"),
            numerator_text=f"{yuan(recovered):,}",
            denominator_text=f"{yuan(owed):,}",
        ),
    ]
