"""The access matrix: every page and API view, for every member of the cast (tests/access.py says
how a row reads; tests/access_scene.py builds the records). A new URL fails
`test_every_url_pattern_has_a_row` until it has a row here."""

from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.access import (
    ALL_STAFF,
    ANON,
    BAD,
    CAST,
    DENIED,
    DESK,
    EVERYONE,
    HIDDEN,
    LET_IN,
    OK,
    OTHER,
    REFUSED,
    SKIP,
    STAFF,
    SUPERVISING,
    USERS,
    Row,
    named_patterns,
    other_user_attr,
    status,
    to,
)
from tests.access_scene import HOUSEHOLD_TEXT, PROJECT_A_TEXT, Scene, png

R = frozenset
DESKLIKE = DESK | SUPERVISING  # desk.rules.DESKLIKE: the desk and those above it
FRONT = DESKLIKE | {"guard"}  # frontdesk.rules.is_front
PATROLLERS = DESKLIKE | {"lead", "tech", "guard"}  # safety.rules.sees_patrols
IMPORTERS = R({"supervisor", "manager", "pm", "admin"})  # importer.services.may_import
RESIDENTS = R({"resident", "neighbour"})
REVIEWERS = R(
    {"supervisor", "manager", "pm", "admin"}
)  # quality.rules.may_view_review (REVIEW_ROLES + the CS supervisor)
PHRASE_EDITORS = R({"supervisor", "manager", "admin"})  # community PHRASE_EDITING_ROLES
SLUGS = ("moveins", "leases", "transfers", "handovers")
NOT_ON_THE_ROUTE = {"lead": HIDDEN, "tech": HIDDEN, "cs": REFUSED}
NOT_CALLED = {r: HIDDEN for r in ("lead", "tech", "guard", "finance")}
# billing/rules.py
ACCOUNTS = DESK | R({"pm", "finance", "admin"})  # may_view_accounts, may_view_ledger
CASHIERS = DESK | R({"finance"})  # may_take_payments (the desk collects: the company's default)
MONEY = R({"finance", "pm", "admin"})  # may_run_billing, may_reverse
DUNNERS = DESK | R({"pm", "finance"})  # may_dun
FIGURES = R({"supervisor", "manager", "pm", "finance", "admin"})  # may_see_figures
BOARD = SUPERVISING  # desk.rules.may_view_board


def pk(attr):
    return lambda s: {"pk": getattr(s, attr).pk}


def room(s):
    return {"pk": s.room.pk}


def project(s):
    return {"project_id": s.project.pk}


def in_a(s):
    """?project=<project A>: a list asked for project A's rows (someone of project B gets their own)."""
    return {"project": s.project.pk}


def slug(g):
    return lambda s: {"slug": g}


def record(g):
    return lambda s: {"slug": g, "pk": s.registration[g].pk}


def room_id(s):
    return {"room_id": s.room.pk}


def bill(s):
    return {"room_id": s.room.pk, "bill_id": s.bill.pk}


def arrears_of_a(s):
    return reverse("billing:arrears-project", args=[s.project.pk])


def figures_of_a(s):
    return reverse("billing:figures", args=[s.project.pk])


def this_month(s):
    return reverse("quality:review-month", args=[s.project.pk, timezone.localdate().replace(day=1)])


# The request is dispatched to the technician: what its state allows, for whom; each body is valid,
# so the refusal comes from the rules, not from a missing field.
REQUEST_ACTIONS = (
    ("dispatch", R(), lambda s: {"department": s.dept["engineering"].pk}),
    ("accept", R({"tech", "lead"}), None),
    ("return", R({"tech", "lead"}), lambda s: {"note": "不归我们"}),
    ("transfer", DESKLIKE | {"lead"}, lambda s: {"department": s.dept["cleaning"].pk, "note": "转保洁"}),
    ("arrive", R(), None),
    ("pause", R(), lambda s: {"note": "等配件"}),
    ("resume", R(), None),
    ("resolve", R(), lambda s: {"result": "已修好"}),
    ("reply", DESKLIKE, lambda s: {"reply": "已安排师傅"}),
    ("visit", R(), lambda s: {"rating": "A"}),
    ("close", R(), None),
    ("cancel", DESKLIKE, lambda s: {"note": "业主撤回"}),
    ("reopen", R(), lambda s: {"note": "又漏了"}),
    ("attach", DESKLIKE | {"tech", "lead"}, lambda s: {"files": png()}),
    ("reclassify", DESKLIKE, lambda s: {"severity": "major"}),
    ("validity", DESKLIKE, lambda s: {"validity": "valid", "note": "属实"}),
)


def TOO_LONG(s):
    return {"note": "长" * 1000}  # past any note's limit: a 400 once the role is let in


# The scene's move-in misses its checks, the lease is unconfirmed: completing either is refused.
REGISTRATION_STEPS = (
    ("movein", "complete", TOO_LONG),
    ("movein", "cancel", lambda s: {"reason": "业主改期"}),
    ("transfer", "complete", TOO_LONG),
    ("transfer", "cancel", lambda s: {"reason": "交易取消"}),
    ("lease", "confirm-owner", lambda s: {"owner_name": "甲户张三", "method": "phone"}),
    ("lease", "activate", TOO_LONG),
    ("lease", "move-out", None),
    ("lease", "cancel", lambda s: {"reason": "不租了"}),
    # the steps that make a move-in or a transfer ready: no body (a required field missing) or an
    # over-long note, a 400 once the role is let in
    ("movein", "check", None),
    ("movein", "fees", None),
    ("movein", "rules", TOO_LONG),
    ("movein", "key", None),
    ("movein", "inspect", TOO_LONG),
    ("movein", "defect", None),
    ("movein", "repair", None),
    ("transfer", "item", None),
    ("transfer", "settle", None),
    ("transfer", "meters", None),
)


# renovation/rules.py: who takes each step of an application (the page's `renovation_act`).
RENOVATION_REVIEWERS = SUPERVISING | {"lead"}  # is_reviewer: the engineering lead, not security's
RENOVATION_INSPECTORS = DESKLIKE | {"lead", "tech", "guard"}  # may_inspect


def STALE(s):
    return {"version": 0}  # no application has it: a 400 once the role is let in


RENOVATION_STEPS = (
    ("approve", RENOVATION_REVIEWERS, STALE, "reviewers; the application is in progress already"),
    ("send-back", RENOVATION_REVIEWERS, None, ""),
    ("reject", RENOVATION_REVIEWERS, None, ""),
    (
        "pay",
        DESKLIKE | {"finance"},
        lambda s: {"kind": "other", "amount": "10", "receipt_number": "SJ-A"},
        "the desk or finance",
    ),
    ("issue-permit", DESKLIKE, STALE, "issued already"),
    (
        "add-worker",
        DESKLIKE,
        lambda s: {"name": "李师傅", "id_number": "440524198001010013", "phone": "13700002222"},
        "",
    ),
    ("issue-pass", DESKLIKE, None, ""),
    (
        "revoke-pass",
        RENOVATION_INSPECTORS,
        lambda s: {"worker_pass": s.renovation.workers.get().passes.get().pk, "note": "工人离场"},
        "the desk or whoever inspects on site",
    ),
    ("inspect", RENOVATION_INSPECTORS, lambda s: {"result": "passed"}, ""),
    ("rectify", RENOVATION_INSPECTORS, None, ""),
    ("to-request", DESKLIKE, None, ""),
    ("accept", SUPERVISING | {"lead", "tech"}, lambda s: {}, "reviewers and engineering sign off the works"),
    ("refund", SUPERVISING | {"finance"}, None, "finance or a supervisor"),
)

ROWS = [
    # ---------------------------------------------------------------- core
    Row("inbox", EVERYONE),
    Row("inbox-read", EVERYONE, method="POST"),
    Row("deliveries", SUPERVISING, why="core.notify.may_see_deliveries: the delivery log and its dead letters"),
    Row(
        "deliveries",
        SUPERVISING,
        method="POST",
        data=lambda s: {"id": [s.delivery.pk]},
        variant="retry",
        why="sending a dead letter again",
    ),
    Row(
        "privacy-reveal",
        DESKLIKE,
        kwargs=lambda s: {"label": "estate.resident", "pk": s.resident.pk, "field": "phone"},
        method="POST",
        expect={"neighbour": HIDDEN},
        why="the roles that see numbers masked get 403; who may not see the person at all, 404",
    ),
    # ---------------------------------------------------------------- desk
    Row(
        "desk:home",
        ALL_STAFF - {"tech", "guard"},
        expect={
            **{r: to("desk:board") for r in BOARD},
            "tech": to("desk:jobs"),
            "guard": to("desk:jobs"),
            "resident": to("desk:list"),
            "neighbour": to("desk:list"),
        },
    ),
    Row(
        "desk:list",
        EVERYONE,
        query=in_a,
        other=BAD,
        why="?project= names a project not theirs: a field error, as the API answers",
    ),
    Row("desk:intake", DESKLIKE),
    Row("desk:detail", DESKLIKE | {"finance", "lead", "tech", "resident"}, kwargs=pk("request"), refuse=HIDDEN),
    Row(
        "desk:act",
        R({"tech", "lead"}),
        kwargs=lambda s: {"pk": s.request.pk, "action": "accept"},
        method="POST",
        data=lambda s: {"version": s.request.version},
        refuse=REFUSED,
        expect={"guard": HIDDEN, "neighbour": HIDDEN},
        why="only the assignee or the department's lead accepts; the guard and the neighbour do not see the request",
    ),
    Row("desk:attachment", DESKLIKE | {"finance", "lead", "tech", "resident"}, kwargs=pk("attachment"), refuse=HIDDEN),
    Row("desk:lookup", ALL_STAFF, query=lambda s: {"q": "1502"}),
    Row("desk:household", ALL_STAFF, query=lambda s: {"room": s.room.pk}),
    Row("desk:jobs", ALL_STAFF),
    Row("desk:visits", DESKLIKE),
    # ---------------------------------------------------------------- quality
    Row("quality:closeout", DESKLIKE),
    Row("quality:closeout-day", DESKLIKE, kwargs=lambda s: {"project_id": s.project.pk, "day": s.day}),
    Row("quality:closeout-pdf", DESKLIKE, kwargs=lambda s: {"project_id": s.project.pk, "day": s.day}),
    Row(
        "quality:review",
        REVIEWERS,
        ok=to(this_month),
        expect={"admin": OK},
        other=to("/review/"),
        why="one project: straight to this month; the administrator (two projects) picks one",
    ),
    Row("quality:review-project", REVIEWERS, kwargs=project, ok=to(this_month)),
    Row("quality:review-month", REVIEWERS, kwargs=lambda s: {"project_id": s.project.pk, "month": s.month}),
    # ---------------------------------------------------------------- estate
    Row("estate:rooms", ALL_STAFF),
    Row("estate:search", ALL_STAFF, query=lambda s: {"q": "1502"}),
    Row("estate:household", ALL_STAFF, kwargs=room),
    Row("estate:room-edit", DESKLIKE, kwargs=room, method="POST"),
    Row("estate:pane", DESKLIKE, kwargs=lambda s: {"pk": s.room.pk, "name": "vehicle"}),
    Row("estate:person-add", DESKLIKE, kwargs=room, method="POST"),
    Row("estate:person-edit", DESKLIKE, kwargs=lambda s: {"pk": s.room.pk, "resident_pk": s.resident.pk}),
    Row("estate:occupancy-add", DESKLIKE, kwargs=room, method="POST"),
    Row("estate:occupancy-end", DESKLIKE, kwargs=lambda s: {"pk": s.room.pk, "occ_pk": s.occupancy.pk}, method="POST"),
    Row("estate:vehicle-add", DESKLIKE, kwargs=room, method="POST"),
    Row("estate:vehicle-end", DESKLIKE, kwargs=lambda s: {"pk": s.room.pk, "vehicle_pk": s.vehicle.pk}, method="POST"),
    Row("estate:parking-add", DESKLIKE, kwargs=room, method="POST"),
    Row("estate:pet-add", DESKLIKE, kwargs=room, method="POST"),
    Row("estate:pet-update", DESKLIKE, kwargs=lambda s: {"pk": s.room.pk, "pet_pk": s.pet.pk}, method="POST"),
    Row("estate:note-add", DESKLIKE, kwargs=room, method="POST"),
    # ---------------------------------------------------------------- registrations
    Row("registrations:index", DESKLIKE),
    *(Row("registrations:list", DESKLIKE, kwargs=slug(g), query=in_a, variant=g) for g in SLUGS),
    Row("registrations:new", DESKLIKE, kwargs=slug("leases")),
    *(
        Row(
            "registrations:detail",
            DESKLIKE | ({"resident"} if g in ("leases", "transfers") else set()),
            kwargs=record(g),
            refuse=HIDDEN,
            variant=g,
            why="a resident sees the lease and the transfer of their own room",
        )
        for g in SLUGS
    ),
    Row(
        "registrations:act",
        DESKLIKE,
        kwargs=lambda s: {**record("leases")(s), "action": "cancel"},
        method="POST",
        data=lambda s: {"reason": "不租了"},
        refuse=HIDDEN,
        expect={"resident": DENIED},
        why="the resident sees their lease but may not act on it",
    ),
    Row("registrations:pdf", DESKLIKE | {"resident"}, kwargs=record("leases"), refuse=HIDDEN),
    # ---------------------------------------------------------------- renovation
    Row("renovation:list", EVERYONE, query=in_a),
    Row("renovation:apply", DESKLIKE | RESIDENTS, why="the desk for an owner, an owner for their own room"),
    Row("renovation:detail", ALL_STAFF | {"resident"}, kwargs=pk("renovation"), refuse=HIDDEN),
    Row(
        "renovation:resubmit",
        DESKLIKE | {"neighbour"},
        kwargs=pk("returned_renovation"),
        expect={"resident": HIDDEN},
        why="the returned application is the neighbour's (3-2-1501)",
    ),
    Row(
        "renovation:inspect",
        DESKLIKE | {"lead", "tech", "guard"},
        kwargs=pk("renovation"),
        expect={"neighbour": HIDDEN},
    ),
    Row(
        "renovation:act",
        SUPERVISING | {"lead", "tech"},
        kwargs=lambda s: {"pk": s.renovation.pk, "action": "accept"},
        method="POST",
        expect={"neighbour": HIDDEN},
        why="final acceptance: reviewers and engineering; the front desk, guards and finance may not",
    ),
    Row("renovation:permit", ALL_STAFF | {"resident"}, kwargs=pk("renovation"), refuse=HIDDEN),
    Row("renovation:passes", ALL_STAFF, kwargs=pk("renovation"), expect={"neighbour": HIDDEN}),
    Row("renovation:file", ALL_STAFF | {"resident"}, kwargs=pk("renovation_file"), refuse=HIDDEN),
    # ---------------------------------------------------------------- importer
    Row("importer:index", IMPORTERS),
    Row("importer:session", IMPORTERS, kwargs=pk("import_session")),
    Row("importer:map", IMPORTERS, kwargs=pk("import_session"), method="POST"),
    Row(
        "importer:progress",
        IMPORTERS,
        kwargs=pk("import_session"),
        ok=status(204),
        why="staged already: nothing to poll",
    ),
    Row("importer:counts", IMPORTERS, kwargs=pk("import_session")),
    Row("importer:rows", IMPORTERS, kwargs=pk("import_session")),
    Row("importer:commit", IMPORTERS, kwargs=pk("import_session"), method="POST"),
    Row("importer:cell", IMPORTERS, kwargs=lambda s: {"pk": s.import_row.pk, "field": "area"}),
    Row("importer:skip", IMPORTERS, kwargs=pk("import_row"), method="POST"),
    Row("importer:template", EVERYONE, kwargs=lambda s: {"kind": "rooms"}, why="an empty sheet with the headers"),
    Row("importer:export-requests", DESKLIKE | {"finance"}, why="finance exports the paid repairs"),
    Row(
        "importer:export-estate",
        IMPORTERS,
        kwargs=lambda s: {"what": "rooms"},
        query=lambda s: {"project": s.project.pk},
        other=to("importer:index"),
        why="another project's id is refused by the form, back to the page with the message",
    ),
    # ---------------------------------------------------------------- frontdesk
    Row(
        "frontdesk:home",
        FRONT,
        ok=to("frontdesk:parcels"),
        expect={"guard": to("frontdesk:gate"), "resident": to("frontdesk:mine"), "neighbour": to("frontdesk:mine")},
    ),
    Row("frontdesk:parcels", FRONT, query=in_a),
    Row(
        "frontdesk:parcel-collect",
        FRONT,
        method="POST",
        data=lambda s: {"project": s.project.pk, "code": s.parcel.pickup_code},
        other=REFUSED,
        why="the code is looked up in the user's own project: not found",
    ),
    Row("frontdesk:overdue", FRONT, query=in_a),
    Row(
        "frontdesk:parcel",
        FRONT,
        kwargs=pk("parcel"),
        refuse=HIDDEN,
        expect={"resident": DENIED},
        why="the resident's parcel is on their own page (frontdesk:mine), not the desk's",
    ),
    Row("frontdesk:parcel-sign", FRONT, kwargs=pk("parcel"), method="POST", refuse=HIDDEN, expect={"resident": DENIED}),
    Row(
        "frontdesk:parcel-return", FRONT, kwargs=pk("parcel"), method="POST", refuse=HIDDEN, expect={"resident": DENIED}
    ),
    Row("frontdesk:room-parcels", FRONT, kwargs=lambda s: {"room_id": s.room.pk}),
    Row("frontdesk:visitors", FRONT, query=in_a),
    Row("frontdesk:visit-leave", FRONT, kwargs=pk("visit"), method="POST"),
    Row(
        "frontdesk:visit-cancel",
        FRONT | {"resident"},
        kwargs=pk("booking"),
        method="POST",
        data=lambda s: {},
        refuse=HIDDEN,
        why="the resident's own booking: they and the desk may cancel it",
    ),
    Row("frontdesk:contractors", FRONT, query=in_a),
    Row("frontdesk:contractor-revoke", FRONT, kwargs=pk("contractor_pass"), method="POST"),
    Row("frontdesk:gate", FRONT, query=in_a),
    Row(
        "frontdesk:gate-admit",
        FRONT,
        method="POST",
        data=lambda s: {"project": s.project.pk, "code": s.booking.code},
        other=REFUSED,
        why="the code is looked up in the user's own project: not found",
    ),
    Row(
        "frontdesk:gate-pass",
        FRONT,
        query=lambda s: {"code": s.goods_pass.code, "project": s.project.pk},
        ok=to(lambda s: reverse("frontdesk:pass", args=[s.goods_pass.pk])),
        other=to("frontdesk:gate"),
        why="a code of another project is not found: back to the gate with the message",
    ),
    Row("frontdesk:passes", FRONT, query=in_a),
    Row("frontdesk:pass-new", FRONT, query=in_a),
    Row("frontdesk:pass-applicants", FRONT, query=lambda s: {"room": s.room.pk}),
    Row("frontdesk:passes-week", FRONT, query=in_a),
    Row("frontdesk:pass", FRONT | {"resident"}, kwargs=pk("goods_pass"), refuse=HIDDEN),
    Row(
        "frontdesk:pass-verify",
        FRONT,
        kwargs=pk("goods_pass"),
        method="POST",
        refuse=HIDDEN,
        expect={"resident": DENIED},
    ),
    Row("frontdesk:pass-confirm", FRONT | {"resident"}, kwargs=pk("goods_pass"), method="POST", refuse=HIDDEN),
    Row("frontdesk:mine", RESIDENTS),
    Row("frontdesk:api-parcels", FRONT, query=lambda s: {"room": s.room.pk}),
    Row(
        "frontdesk:api-parcels",
        FRONT,
        method="POST",
        data=lambda s: {"room_id": s.room.pk, "tracking_number": "SF0002"},
        other=BAD,
        variant="post",
    ),
    Row(
        "frontdesk:api-parcel-collect",
        FRONT,
        method="POST",
        data=lambda s: {"project": s.project.pk, "code": s.parcel.pickup_code},
        other=HIDDEN,
    ),
    Row(
        "frontdesk:api-visit-admit",
        FRONT,
        method="POST",
        data=lambda s: {"project": s.project.pk, "code": s.booking.code},
        other=HIDDEN,
    ),
    Row("frontdesk:api-passes", FRONT, method="POST", data=lambda s: {"room": s.room.pk}),
    Row(
        "frontdesk:api-pass-lookup",
        FRONT,
        query=lambda s: {"code": s.goods_pass.code, "project": s.project.pk},
        other=HIDDEN,
    ),
    # ---------------------------------------------------------------- duty
    Row(
        "duty:home",
        DESKLIKE,
        ok=to(lambda s: reverse("duty:board", args=[s.project.pk])),
        expect={"admin": OK},
        other=to("/duty/p/"),
    ),
    Row("duty:board", DESKLIKE, kwargs=project),
    Row("duty:roster", DESKLIKE, kwargs=project),
    Row("duty:assign", SUPERVISING, kwargs=project, method="POST"),
    Row("duty:setup", SUPERVISING, kwargs=project),
    Row("duty:log", DESKLIKE, kwargs=project),
    Row("duty:keys", DESKLIKE, kwargs=project),
    Row("duty:handovers", DESKLIKE, kwargs=project),
    Row(
        "duty:assignment-remove",
        SUPERVISING,
        kwargs=pk("assignment"),
        method="POST",
        data=lambda s: {"reason": "调休"},
        expect={"cs": REFUSED},
    ),
    Row("duty:swap-new", DESKLIKE, kwargs=pk("assignment")),
    Row(
        "duty:swap-decide",
        SUPERVISING,
        kwargs=lambda s: {"pk": s.swap.pk, "decision": "approve"},
        method="POST",
        refuse=REFUSED,
        why="any project member reaches the service, which refuses who may not decide",
    ),
    Row("duty:key-return", DESK, kwargs=pk("key_loan"), method="POST", expect={"pm": REFUSED, "admin": REFUSED}),
    Row("duty:handover", DESKLIKE, kwargs=pk("duty_handover")),
    Row(
        "duty:handover-act",
        R({"supervisor"}),
        kwargs=lambda s: {"pk": s.duty_handover.pk, "action": "ack-all"},
        method="POST",
        expect={r: REFUSED for r in DESKLIKE - {"supervisor"}},
        why="signed out by cs: only the incoming person (the supervisor) answers the items",
    ),
    Row(
        "duty:item-answer",
        R({"supervisor"}),
        kwargs=pk("handover_item"),
        method="POST",
        expect={r: REFUSED for r in DESKLIKE - {"supervisor"}},
    ),
    Row("duty:handover-pdf", DESKLIKE, kwargs=pk("duty_handover")),
    # ---------------------------------------------------------------- safety
    Row(
        "safety:home",
        ALL_STAFF,
        ok=to("safety:incidents"),
        expect={r: to("safety:patrols") for r in ("lead", "tech", "guard")},
    ),
    Row("safety:patrols", PATROLLERS),
    *(
        Row(
            name,
            SUPERVISING | {"guard"},
            kwargs=pk(attr),
            method=method,
            data=data,
            expect=NOT_ON_THE_ROUTE,
            why="the route is the security department's: its people and the supervisors walk it; the desk sees the run",
        )
        for name, attr, method, data in (
            ("safety:run_start", "idle_route", "POST", lambda s: {}),
            ("safety:run_finish", "run", "POST", lambda s: {}),
            ("safety:stop_check", "stop", "POST", lambda s: {"item-0": "ok"}),
        )
    ),
    *(
        Row(name, DESKLIKE | {"guard"}, kwargs=pk(attr), expect={"lead": HIDDEN, "tech": HIDDEN})
        for name, attr in (("safety:run", "run"), ("safety:photo", "stop_photo"))
    ),
    Row("safety:findings", PATROLLERS),
    Row(
        "safety:finding_request",
        PATROLLERS,
        kwargs=pk("finding"),
        method="POST",
        data=lambda s: {"kind": "repair"},
        expect={"lead": REFUSED, "tech": REFUSED},
        why="a finding of the security department's route: its people and the desk pass it on",
    ),
    Row("safety:missed", SUPERVISING),
    Row("safety:points", SUPERVISING),
    Row("safety:point_new", SUPERVISING),
    Row("safety:point_edit", SUPERVISING, kwargs=pk("point")),
    Row("safety:points_print", SUPERVISING),
    Row(
        "safety:point_go",
        PATROLLERS,
        kwargs=lambda s: {"project": s.project.pk, "code": s.point.code},
        ok=to("safety:patrols"),
        expect={"guard": to(lambda s: reverse("safety:run", args=[s.run.pk]))},
        why="to the guard's run under way at that point; nobody else has one: to the patrols",
    ),
    Row("safety:route_new", SUPERVISING),
    Row("safety:route_edit", SUPERVISING, kwargs=pk("route")),
    Row("safety:incidents", ALL_STAFF),
    Row("safety:incident_new", DESKLIKE),
    *(
        Row(
            name,
            DESKLIKE,
            kwargs=kw,
            method=method,
            data=data,
            expect=NOT_CALLED,
            why="an incident is seen by the desk and those its call tree calls",
        )
        for name, kw, method, data in (
            ("safety:incident", pk("incident"), "GET", None),
            ("safety:incident_linkable", pk("incident"), "GET", None),
            (
                "safety:incident_act",
                lambda s: {"pk": s.incident.pk, "action": "note"},
                "POST",
                lambda s: {"text": "现场已关阀"},
            ),
        )
    ),
    Row("safety:call_trees", SUPERVISING),
    Row("safety:call_tree_edit", SUPERVISING, kwargs=lambda s: {"project": s.project.pk, "kind": "flood"}),
    # ---------------------------------------------------------------- community
    Row(
        "community:index",
        DESKLIKE,
        ok=to("community:announcements"),
        expect={"resident": to("community:my"), "neighbour": to("community:my")},
    ),
    Row("community:announcements", DESKLIKE),
    Row("community:announcement-new", DESKLIKE),
    Row("community:announcement", DESKLIKE, kwargs=pk("announcement")),
    Row("community:announcement-edit", DESKLIKE, kwargs=pk("announcement")),
    Row("community:announcement-pdf", DESKLIKE, kwargs=pk("announcement")),
    Row(
        "community:announcement-act",
        DESKLIKE,
        kwargs=lambda s: {"pk": s.announcement.pk, "action": "withdraw"},
        method="POST",
        data=lambda s: {"withdraw-reason": "写错了"},
    ),
    Row("community:my", RESIDENTS),
    Row("community:my-announcement", RESIDENTS, kwargs=pk("announcement")),
    Row("community:my-activity", RESIDENTS, kwargs=pk("activity")),
    Row("community:my-signup", RESIDENTS, kwargs=pk("activity"), method="POST"),
    Row(
        "community:my-signup-cancel", R({"resident"}), kwargs=pk("signup"), method="POST", expect={"neighbour": HIDDEN}
    ),
    Row("community:activities", DESKLIKE),
    Row("community:activity-new", DESKLIKE),
    Row("community:activity", DESKLIKE, kwargs=pk("activity")),
    Row(
        "community:activity-act",
        DESKLIKE,
        kwargs=lambda s: {"pk": s.activity.pk, "action": "cancel"},
        method="POST",
        data=lambda s: {"cancel-reason": "下雨"},
    ),
    Row("community:signup-act", DESKLIKE, kwargs=lambda s: {"pk": s.signup.pk, "action": "cancel"}, method="POST"),
    Row("community:photo", DESKLIKE | RESIDENTS, kwargs=pk("activity_photo"), refuse=HIDDEN),
    Row("community:visits", DESKLIKE),
    Row("community:visit-new", DESKLIKE),
    Row("community:visit", DESKLIKE, kwargs=pk("community_visit")),
    Row("community:visit-edit", DESKLIKE, kwargs=pk("community_visit")),
    Row(
        "community:visit-act",
        DESKLIKE,
        kwargs=lambda s: {"pk": s.community_visit.pk, "action": "feedback"},
        method="POST",
        data=lambda s: {"vf-feedback": "满意"},
    ),
    Row("community:phrases", DESKLIKE),
    Row("community:phrase-new", PHRASE_EDITORS),
    Row(
        "community:phrase-edit",
        PHRASE_EDITORS,
        kwargs=pk("phrase"),
        other=OK,
        why="the phrase library is the company's, shared by its projects",
    ),
    Row("community:phrase-panel", DESKLIKE),
    # ---------------------------------------------------------------- API
    Row("api:request-list", EVERYONE, query=in_a, other=BAD, why="?project= names a project not theirs: a field error"),
    Row("api:request-detail", DESKLIKE | {"finance", "lead", "tech", "resident"}, kwargs=pk("request"), refuse=HIDDEN),
    *(
        Row(
            f"api:request-{action}",
            allowed,
            kwargs=pk("request"),
            method="POST",
            data=body,
            expect={"guard": HIDDEN, "neighbour": HIDDEN},
            why="dispatched to the technician: what the state allows, for whom the rules allow it",
        )
        for action, allowed, body in REQUEST_ACTIONS
    ),
    Row("api:room-list", EVERYONE, query=in_a),
    Row("api:room-detail", ALL_STAFF | {"resident"}, kwargs=room, refuse=HIDDEN),
    Row("api:resident-list", EVERYONE, query=in_a),
    Row("api:resident-detail", ALL_STAFF | {"resident"}, kwargs=pk("resident"), refuse=HIDDEN),
    Row("api:household-detail", ALL_STAFF, kwargs=room, refuse=HIDDEN),
    # ---------------------------------------------------------------- desk: board, workbench, phones
    Row("desk:board", BOARD),
    Row("desk:board-figures", BOARD),
    Row(
        "desk:workbench",
        ALL_STAFF - {"tech", "guard"},
        expect={
            "tech": to("desk:jobs"),
            "guard": to("desk:jobs"),
            "resident": to("desk:list"),
            "neighbour": to("desk:list"),
        },
    ),
    Row(
        "desk:assignees",
        DESKLIKE | {"lead"},
        kwargs=pk("request"),
        query=lambda s: {"action": "transfer", "department": s.dept["cleaning"].pk},
        expect={"guard": HIDDEN, "finance": DENIED, "tech": DENIED},
        why="the person list of the transfer form: who may transfer the request",
    ),
    Row(
        "desk:call",
        DESKLIKE | {"lead", "tech"},
        kwargs=pk("request"),
        method="POST",
        ok=to(lambda s: f"tel:{s.request.caller_phone}"),
        expect={"guard": HIDDEN, "finance": DENIED},
        other=HIDDEN,
        why="those who see full numbers, and the technician and lead on the dispatched job",
    ),
    Row(
        "desk:job-form",
        R({"tech", "lead"}),
        kwargs=lambda s: {"pk": s.request.pk, "action": "return"},
        expect={"guard": HIDDEN},
        why="the job card's 退单 form: the technician on it and the department's lead; who sees it but may not, 403",
    ),
    Row("desk:suggest", DESKLIKE, query=lambda s: {"project": s.project.pk, "title": "漏水", "room": s.room.pk}),
    Row("preferences", EVERYONE),
    Row(
        "frontdesk:pass-call-owner",
        FRONT,
        kwargs=lambda s: {"pk": s.tenant_pass.pk, "resident": s.resident.pk},
        method="POST",
        ok=to(lambda s: f"tel:{s.resident.phone}"),
        refuse=HIDDEN,
        expect={"finance": DENIED, "lead": DENIED, "tech": DENIED, "resident": DENIED, "neighbour": DENIED},
        why="a pass waiting for the owner's confirmation: the gate and the desk ring the owner",
    ),
    Row(
        "frontdesk:pass-override-arrears",
        FRONT,
        kwargs=pk("goods_pass"),
        method="POST",
        refuse=HIDDEN,
        expect={"resident": DENIED},
    ),
    Row(
        "safety:stop_all_normal",
        SUPERVISING | {"guard"},
        kwargs=pk("stop"),
        method="POST",
        data=lambda s: {},
        expect=NOT_ON_THE_ROUTE,
    ),
    # ---------------------------------------------------------------- billing: accounts and the cashier
    Row("billing:account", ACCOUNTS, kwargs=room),
    Row("billing:account-pay", CASHIERS, kwargs=room, method="POST"),
    Row("billing:account-refund", ACCOUNTS, kwargs=room, method="POST"),
    Row("billing:account-charge", ACCOUNTS, kwargs=room, method="POST"),
    Row("billing:account-relief", ACCOUNTS, kwargs=room, method="POST"),
    Row("billing:relief-decide", ACCOUNTS, kwargs=pk("relief"), method="POST"),
    Row("billing:entry-reverse", ACCOUNTS, kwargs=pk("entry"), method="POST"),
    Row("billing:entry-invoice", CASHIERS, kwargs=pk("entry"), method="POST"),
    Row("billing:receipt", ACCOUNTS, kwargs=pk("entry")),
    Row("billing:cashier", CASHIERS),
    Row(
        "billing:day-close",
        R({"cs"}),
        kwargs=pk("cashier_day"),
        method="POST",
        expect={r: HIDDEN for r in CASHIERS - {"cs"}},
        why="a cashier closes their own day only",
    ),
    Row("billing:runs", MONEY),
    Row("billing:run-new", MONEY),
    Row("billing:run", MONEY, kwargs=pk("billing_run")),
    Row("billing:run-progress", MONEY, kwargs=pk("billing_run"), ok=status(204), why="done: nothing to poll"),
    Row("billing:run-reverse", MONEY, kwargs=pk("billing_run"), method="POST"),
    Row("billing:run-resume", MONEY, kwargs=pk("billing_run"), method="POST"),
    Row("billing:rates", ACCOUNTS),
    Row("billing:readings", ALL_STAFF),
    Row(
        "billing:sim-pay",
        CASHIERS,
        kwargs=lambda s: {"ref": s.online_entry.gateway_ref},
        other=HIDDEN,
        why="the development gateway's payer page of a pending online payment",
    ),
    Row("api:bill-list", EVERYONE, query=in_a),
    Row("api:bill-detail", ACCOUNTS | {"resident"}, kwargs=pk("bill"), refuse=HIDDEN),
    Row("api:entry-list", EVERYONE, query=in_a),
    Row("api:entry-detail", ACCOUNTS | {"resident"}, kwargs=pk("entry"), refuse=HIDDEN),
    # ---------------------------------------------------------------- the API of the other modules (issue 14)
    # Lists: who may ask gets 200 (a resident their own rows); a record: the resident's own, the
    # neighbour 404; writes of the front, the duty desk, the registrations desk as on their pages.
    *(Row(f"api:{name}-list", FRONT | RESIDENTS, query=in_a) for name in ("parcel", "visit", "pass")),
    *(
        Row(f"api:{name}-detail", FRONT | {"resident"}, kwargs=pk(attr), expect={"neighbour": HIDDEN})
        for name, attr in (("parcel", "parcel"), ("visit", "visit"), ("pass", "goods_pass"))
    ),
    Row(
        "api:parcel-list",
        FRONT,
        method="POST",
        data=lambda s: {"room": s.room.pk, "tracking_number": "SF0009"},
        other=BAD,
        variant="post",
        why="a room of another project is a field error, as on the page",
    ),
    Row(
        "api:parcel-collect",
        FRONT,
        method="POST",
        data=lambda s: {"project": s.project.pk, "code": s.parcel.pickup_code},
        other=HIDDEN,
    ),
    Row(
        "api:visit-list",
        FRONT,
        method="POST",
        data=lambda s: {
            "room": s.room.pk,
            "name": "送水师傅",
            "purpose": "送水",
            "agreed_by": "张三",
            "agreed_via": "phone",
            "id_number": "11010519491231002X",
        },
        other=BAD,
        variant="post",
        why="a room of another project is a field error, as on the page",
    ),
    Row(
        "api:visit-admit",
        FRONT,
        method="POST",
        data=lambda s: {"project": s.project.pk, "code": s.booking.code},
        other=HIDDEN,
    ),
    Row(
        "api:visit-checkout", FRONT, kwargs=pk("visit"), method="POST", data=lambda s: {}, expect={"neighbour": HIDDEN}
    ),
    Row(
        "api:pass-list",
        FRONT | RESIDENTS,
        method="POST",
        variant="post",
        why="the front on someone's behalf, a resident for their own room (the body left out: 400)",
    ),
    Row("api:contractor-pass-list", FRONT, query=in_a, why="frontdesk:contractors: the front of the project"),
    Row(
        "api:contractor-pass-list",
        FRONT,
        method="POST",
        data=lambda s: {
            "project": s.project.pk,
            "company_name": "安居装饰",
            "people": ["王师傅"],
            "purpose": "装修",
            "areas": "地库",
            "valid_from": timezone.now().isoformat(),
            "valid_to": (timezone.now() + timedelta(days=3)).isoformat(),
        },
        other=HIDDEN,
        variant="post",
        why="a project not theirs: 404",
    ),
    Row("api:contractor-pass-detail", FRONT, kwargs=pk("contractor_pass")),
    Row("api:contractor-pass-revoke", FRONT, kwargs=pk("contractor_pass"), method="POST", data=lambda s: {}),
    Row(
        "api:pass-lookup",
        FRONT,
        query=lambda s: {"code": s.goods_pass.code, "project": s.project.pk},
        other=HIDDEN,
    ),
    Row(
        "api:pass-confirm",
        FRONT | {"resident"},
        kwargs=pk("tenant_pass"),
        method="POST",
        expect={"neighbour": HIDDEN},
        why="the owner confirms a tenant's pass; the desk records the owner's word",
    ),
    Row(
        "api:visit-invite",
        R({"resident"}),
        method="POST",
        data=lambda s: {"room": s.room.pk, "name": "朋友", "purpose": "聚会"},
        expect={"neighbour": HIDDEN},
        other=HIDDEN,
        why="a resident invites to their own room; staff are refused by the service (only residents invite)",
    ),
    Row("api:pass-verify", FRONT, kwargs=pk("goods_pass"), method="POST", expect={"neighbour": HIDDEN}),
    Row("api:duty-assignment-list", DESKLIKE, query=in_a),
    Row("api:duty-assignment-detail", DESKLIKE, kwargs=pk("assignment")),
    Row("api:duty-log-list", DESKLIKE, query=in_a),
    Row(
        "api:duty-log-list",
        DESKLIKE,
        method="POST",
        data=lambda s: {"project": s.project.pk, "category": "call", "text": "业户来电询问停水"},
        other=HIDDEN,
        variant="post",
        why="a project not theirs: 404, as the duty pages",
    ),
    Row("api:duty-log-detail", DESKLIKE, kwargs=pk("log_entry")),
    # the duty desk's steps (duty/api.py): keys and handovers are the desk's (duty.rules.keeper), a
    # swap's decision the roster editors'; the record's person and state are the service's (403)
    *(Row(f"api:duty-{name}-list", DESKLIKE, query=in_a) for name in ("key-loan", "swap", "handover")),
    Row("api:duty-key-loan-detail", DESKLIKE, kwargs=pk("key_loan")),
    Row("api:duty-swap-detail", DESKLIKE, kwargs=pk("swap")),
    Row("api:duty-handover-detail", DESKLIKE, kwargs=pk("duty_handover")),
    Row(
        "api:duty-key-loan-list",
        DESK,
        method="POST",
        variant="post",
        why="lending is the desk's (keeper): those above it see the keys (403); an empty body is a 400",
    ),
    Row("api:duty-key-loan-return", DESK, kwargs=pk("key_loan"), method="POST", data=lambda s: {"note": "完好"}),
    Row(
        "api:duty-swap-list",
        DESKLIKE,
        method="POST",
        variant="post",
        why="the person on duty or a roster editor asks (the service says whose shift); an empty body is a 400",
    ),
    *(
        Row(
            f"api:duty-swap-{step}",
            SUPERVISING,
            kwargs=pk("swap"),
            method="POST",
            data=data,
            why="roster editors decide; the desk sees the swap (403 from the service)",
        )
        for step, data in (("approve", lambda s: {}), ("reject", lambda s: {"note": "人手不够"}))
    ),
    Row(
        "api:duty-swap-withdraw",
        R({"cs"}),
        kwargs=pk("swap"),
        method="POST",
        data=lambda s: {},
        why="only who asked (cs) withdraws",
    ),
    Row(
        "api:duty-handover-list",
        DESK,
        method="POST",
        variant="post",
        why="starting a handover is the desk's (keeper); an empty body is a 400",
    ),
    *(
        Row(
            f"api:duty-handover-{step}",
            R({"supervisor"}),
            kwargs=pk("duty_handover"),
            method="POST",
            data=data,
            why="signed out by cs: only the incoming person (the supervisor) answers the items",
        )
        for step, data in (
            ("answer", lambda s: {"item": s.handover_item.pk, "accept": "true"}),
            ("ack-all", lambda s: {}),
        )
    ),
    *(
        Row(
            f"api:duty-handover-{step}",
            R(),
            kwargs=pk("duty_handover"),
            method="POST",
            data=data,
            why=why,
        )
        for step, data, why in (
            ("save", lambda s: {"notes": "补充"}, "signed out already: nobody changes it (403 from the service)"),
            ("sign-out", lambda s: {}, "signed out already: nobody signs again (403 from the service)"),
            ("sign-in", lambda s: {}, "items still to answer: the supervisor may not sign in yet, nor anyone else"),
        )
    ),
    Row(
        "api:duty-handover-cancel",
        DESKLIKE,
        kwargs=pk("duty_handover"),
        method="POST",
        data=lambda s: {"reason": "选错接班人"},
        why="the outgoing person (cs) or a roster editor of the project",
    ),
    *(Row(f"api:{name}-list", DESKLIKE | RESIDENTS, query=in_a) for name in ("movein", "lease", "transfer")),
    *(Row(f"api:{name}-list", DESKLIKE, method="POST", variant="post") for name in ("movein", "lease", "transfer")),
    Row("api:movein-detail", DESKLIKE, kwargs=pk("movein"), expect={"resident": HIDDEN, "neighbour": HIDDEN}),
    *(
        Row(f"api:{name}-detail", DESKLIKE | {"resident"}, kwargs=pk(name), expect={"neighbour": HIDDEN})
        for name in ("lease", "transfer")
    ),
    # the steps that close a registration (the page's `record_act`): the desk; a resident who sees the
    # lease or the transfer of their room 403, the neighbour 404; a step the record's state refuses is
    # sent an over-long note (400) to show the role was let past the checks
    *(
        Row(
            f"api:{name}-{step}",
            DESKLIKE,
            kwargs=pk(name),
            method="POST",
            data=data,
            ok=LET_IN if data in (None, TOO_LONG) else None,
            expect={"neighbour": HIDDEN} | ({"resident": HIDDEN} if name == "movein" else {}),
            why="the move-in is the desk's only" if name == "movein" else "",
        )
        for name, step, data in REGISTRATION_STEPS
    ),
    # the handover acceptance from the developer (接管验收): the desk's only, as on the pages; the
    # project manager's signature is the service's to refuse (the over-long note is a 400 first)
    Row("api:handover-list", DESKLIKE, query=in_a),
    Row("api:handover-list", DESKLIKE, method="POST", variant="post"),
    Row("api:handover-detail", DESKLIKE, kwargs=pk("handover_record")),
    *(
        Row(f"api:handover-{step}", DESKLIKE, kwargs=pk("handover_record"), method="POST", data=data, ok=LET_IN)
        for step, data in (
            ("item", None),
            ("defect", None),
            ("repair", None),
            ("sign", TOO_LONG),
            ("cancel", None),
        )
    ),
    Row("api:renovation-list", EVERYONE, query=in_a),
    Row("api:renovation-list", DESKLIKE | RESIDENTS, method="POST", variant="post"),
    Row("api:renovation-detail", ALL_STAFF | {"resident"}, kwargs=pk("renovation"), refuse=HIDDEN),
    # the workflow's steps on the application in progress (the neighbour cannot see it: 404) or, for
    # withdrawing and resubmitting, on the one returned to the neighbour; a step its state refuses is
    # sent a stale version (400) to show the role was let past the checks
    *(
        Row(
            f"api:renovation-{step}",
            allow,
            kwargs=pk("renovation"),
            method="POST",
            data=data,
            ok=LET_IN if data in (None, STALE) else None,
            expect={"neighbour": HIDDEN},
            why=why,
        )
        for step, allow, data, why in RENOVATION_STEPS
    ),
    *(
        Row(
            f"api:renovation-{step}",
            DESKLIKE | {"neighbour"},
            kwargs=pk("returned_renovation"),
            method="POST",
            data=data,
            expect={"resident": HIDDEN},
            why="the returned application is the neighbour's (3-2-1501): the owner and the desk",
        )
        for step, data in (("cancel", lambda s: {"note": "业主暂不装修"}), ("resubmit", None), ("add-drawings", None))
    ),
    *(Row(f"api:{name}-list", DESKLIKE | RESIDENTS, query=in_a) for name in ("announcement", "activity")),
    *(
        Row(f"api:{name}-detail", DESKLIKE | RESIDENTS, kwargs=pk(name), why="addressed to the whole project")
        for name in ("announcement", "activity")
    ),
    Row("api:announcement-read", RESIDENTS, kwargs=pk("announcement"), method="POST", data=lambda s: {}),
    Row(
        "api:announcement-list",
        DESKLIKE,
        method="POST",
        data=lambda s: {"project": s.project.pk, "title": "停电通知", "body": "周六停电。"},
        other=HIDDEN,
        variant="post",
        why="community:announcement-new: the community staff draft; a project not theirs: 404",
    ),
    Row(
        "api:announcement-detail",
        DESKLIKE,
        kwargs=pk("draft_notice"),
        method="PATCH",
        data=lambda s: {"title": "停水通知（更正）"},
        expect={"resident": HIDDEN, "neighbour": HIDDEN},
        variant="patch",
        why="the drafter (cs) or a publisher edits a draft; residents do not see drafts",
    ),
    *(
        Row(
            f"api:announcement-{name}",
            SUPERVISING,
            kwargs=pk(attr),
            method="POST",
            data=data,
            expect={"cs": DENIED, **({"resident": HIDDEN, "neighbour": HIDDEN} if attr != "announcement" else {})},
            why="community.choices.PUBLISHING_ROLES (the services check): the desk drafts, the supervisors publish",
        )
        for name, attr, data in (
            ("publish", "draft_notice", lambda s: {}),
            ("schedule", "draft_notice", lambda s: {"publish_at": (timezone.now() + timedelta(days=2)).isoformat()}),
            ("unschedule", "scheduled_notice", lambda s: {}),
            ("withdraw", "announcement", lambda s: {"reason": "写错了"}),
        )
    ),
    Row(
        "api:activity-list",
        DESKLIKE,
        method="POST",
        data=lambda s: {
            "project": s.project.pk,
            "title": "亲子运动会",
            "starts_at": (timezone.now() + timedelta(days=5)).isoformat(),
            "place": "中心花园",
            "capacity": 30,
            "signup_deadline": (timezone.now() + timedelta(days=4)).isoformat(),
        },
        other=HIDDEN,
        variant="post",
        why="community:activity-new; a project not theirs: 404",
    ),
    Row("api:activity-cancel", DESKLIKE, kwargs=pk("activity"), method="POST", data=lambda s: {"reason": "下雨"}),
    Row(
        "api:activity-signup",
        RESIDENTS,
        kwargs=pk("activity"),
        method="POST",
        why="the resident has signed up already: 409, let in all the same",
    ),
    Row(
        "api:activity-cancel-signup",
        R({"resident"}),
        kwargs=pk("activity"),
        method="POST",
        data=lambda s: {},
        expect={"neighbour": HIDDEN},
        why="the neighbour has no sign-up to cancel",
    ),
    # the staff's steps on an activity (community:activity-act): residents see the activity, 403
    Row("api:activity-signups", DESKLIKE, kwargs=pk("activity"), why="community:activity's sign-up list"),
    Row(
        "api:activity-signup-for",
        DESKLIKE,
        kwargs=pk("activity"),
        method="POST",
        data=lambda s: {"room_code": "3-2-1501"},
        why="the desk signs the neighbour up by room code",
    ),
    Row(
        "api:activity-attendance",
        DESKLIKE,
        kwargs=pk("activity"),
        method="POST",
        why="no body: 400 past the checks (the scene's activity has not begun: attendance is refused till the day)",
    ),
    Row(
        "api:activity-feedback",
        DESKLIKE | {"resident"},
        kwargs=pk("activity"),
        method="POST",
        expect={"neighbour": HIDDEN},
        why="the staff take it down for a sign-up, a resident gives their own (the neighbour has none: 404)",
    ),
    Row("api:activity-photos", DESKLIKE, kwargs=pk("activity"), method="POST", data=lambda s: {"files": png()}),
    Row("api:patrol-run-list", PATROLLERS, query=in_a),
    Row(
        "api:patrol-run-detail",
        DESKLIKE | {"guard"},
        kwargs=pk("run"),
        refuse=DENIED,
        expect={"lead": HIDDEN, "tech": HIDDEN},
        why="the security department's route: its people and the desk see its runs",
    ),
    Row("api:patrol-point-list", SUPERVISING, query=in_a),
    Row("api:patrol-point-detail", SUPERVISING, kwargs=pk("point")),
    Row("api:incident-list", ALL_STAFF, query=in_a),
    Row(
        "api:incident-list",
        DESKLIKE,
        method="POST",
        data=lambda s: {"project": s.project.pk, "kind": "power", "title": "3栋停电", "place": "3栋配电房"},
        other=HIDDEN,
        variant="post",
    ),
    Row(
        "api:incident-detail",
        DESKLIKE,
        kwargs=pk("incident"),
        expect=NOT_CALLED,
        why="an incident is seen by the desk and those its call tree calls",
    ),
    # the steps of a patrol and an incident (safety/api.py): the pages' services; a record the user
    # may not see is a 404, a step the service refuses to who sees it a 403
    Row(
        "api:patrol-run-list",
        SUPERVISING | {"guard"},
        method="POST",
        data=lambda s: {"route": s.idle_route.pk},
        expect={"lead": HIDDEN, "tech": HIDDEN},
        other=HIDDEN,
        variant="post",
        why="the security department's route: its people and the supervisors walk it; the desk may not (403)",
    ),
    *(
        Row(
            f"api:patrol-run-{step}",
            SUPERVISING | {"guard"},
            kwargs=pk("run"),
            method="POST",
            data=data,
            expect={"lead": HIDDEN, "tech": HIDDEN},
            why="the security department's run: its people and the supervisors walk it; the desk sees it (403)",
        )
        for step, data in (
            (
                "check",
                lambda s: {"code": "F01", "results[0]item": "压力正常", "results[0]ok": "false", "note": "压力不足"},
            ),
            ("all-normal", lambda s: {"stop": s.stop.pk}),
            ("finish", lambda s: {"note": "完成"}),
        )
    ),
    Row(
        "api:patrol-run-check",
        SUPERVISING | {"guard"},
        kwargs=pk("run"),
        method="POST",
        data=lambda s: {
            "code": "F01",
            "results": '[{"item": "压力正常", "ok": false, "note": "压力不足"}]',
            "photos": png(),
        },
        expect={"lead": HIDDEN, "tech": HIDDEN},
        variant="photos",
        why="the page's stop check with a photo: multipart, `results` JSON-encoded",
    ),
    Row("api:patrol-finding-list", PATROLLERS, query=in_a),
    Row("api:patrol-finding-detail", PATROLLERS, kwargs=pk("finding")),
    Row(
        "api:patrol-finding-request",
        PATROLLERS,
        kwargs=pk("finding"),
        method="POST",
        data=lambda s: {"kind": "repair"},
        expect={"lead": DENIED, "tech": DENIED},
        why="a finding of the security department's route: its people and the desk pass it on",
    ),
    Row(
        "api:incident-ack",
        R({"supervisor", "manager", "pm"}),
        kwargs=pk("incident"),
        method="POST",
        data=lambda s: {},
        expect=NOT_CALLED,
        why="no call tree for floods: the project's supervisors are called; the desk sees it, not called (403)",
    ),
    *(
        Row(
            f"api:incident-{step}",
            DESKLIKE,
            kwargs=pk("incident"),
            method="POST",
            data=data,
            expect=NOT_CALLED,
            why="the desk and supervisors write, link and resolve; those called only see it",
        )
        for step, data in (
            ("note", lambda s: {"text": "现场已关阀"}),
            ("link", lambda s: {"requests": [s.request.pk]}),
            ("resolve", lambda s: {"text": "已修复"}),
        )
    ),
    Row(
        "api:incident-review",
        SUPERVISING,
        kwargs=pk("resolved_incident"),
        method="POST",
        data=lambda s: {"cause": "跳闸", "went_well": "及时", "to_improve": "巡检"},
        expect=NOT_CALLED,
        why="supervisors review a resolved incident; the desk sees it (403)",
    ),
    Row(
        "api:incident-close",
        SUPERVISING,
        kwargs=pk("reviewed_incident"),
        method="POST",
        data=lambda s: {},
        expect=NOT_CALLED,
        why="supervisors close a reviewed incident; the desk sees it (403)",
    ),
    # ---------------------------------------------------------------- billing: arrears, notices, figures
    Row("billing:arrears", ACCOUNTS, ok=to(arrears_of_a), expect={"admin": OK}, other=to("/billing/arrears/")),
    Row("billing:arrears-project", ACCOUNTS, kwargs=project),
    Row("billing:arrears-export", ACCOUNTS, kwargs=project),
    Row("billing:lobby-notice", DUNNERS, kwargs=project),
    Row("billing:lobby-notice-pdf", DUNNERS, kwargs=project),
    Row(
        "billing:notice-building-pdf",
        ACCOUNTS,
        kwargs=lambda s: {"project_id": s.project.pk, "building_id": s.room.building_id},
    ),
    Row("billing:arrears-room", ACCOUNTS, kwargs=room_id),
    Row("billing:notice-room-pdf", ACCOUNTS, kwargs=room_id),
    Row("billing:letter-pdf", ACCOUNTS, kwargs=room_id),
    Row("billing:arrears-dun", DUNNERS, kwargs=room_id, method="POST"),
    Row("billing:arrears-dispute", DUNNERS, kwargs=bill, method="POST"),
    Row("billing:arrears-settle", DUNNERS, kwargs=bill, method="POST"),
    Row("billing:arrears-plan", DUNNERS, kwargs=room_id, method="POST"),
    Row(
        "billing:arrears-plan-cancel",
        DUNNERS,
        kwargs=lambda s: {"room_id": s.room.pk, "plan_id": s.payment_plan.pk},
        method="POST",
    ),
    Row(
        "billing:repair-charge",
        DESKLIKE | {"finance", "lead", "tech"},
        kwargs=pk("request"),
        method="POST",
        refuse=HIDDEN,
        expect={"resident": DENIED, "neighbour": DENIED},
        why="staff who see the request reach the form (the service decides who may charge); a resident never",
    ),
    Row("billing:figures-index", FIGURES, ok=to(figures_of_a), expect={"admin": OK}, other=to("/billing/figures/")),
    Row("billing:figures", FIGURES, kwargs=project),
    Row("billing:finance-month", FIGURES, kwargs=project),
    Row("billing:finance-ledger", FIGURES, kwargs=project),
    # ---------------------------------------------------------------- portal: the residents' app under /my/
    # Residents only: anonymous to the app's own sign-in, staff refused (403); the neighbour's room is
    # 3-2-1501, so 3-2-1502's records are 404 to them.
    *(
        Row(name, RESIDENTS, method=method, expect={ANON: to("portal:signin")})
        for name, method in (
            ("portal:home", "GET"),
            ("portal:room", "POST"),
            ("portal:requests", "GET"),
            ("portal:report", "GET"),
            ("portal:household", "GET"),
            ("portal:parcels", "GET"),
            ("portal:visitors", "GET"),
            ("portal:notices", "GET"),
        )
    ),
    *(
        Row(
            name,
            R({"resident"}),
            kwargs=pk(attr),
            method=method,
            expect={ANON: to("portal:signin"), "neighbour": HIDDEN},
            why="3-2-1502's own: the neighbour (3-2-1501) gets 404",
        )
        for name, attr, method in (
            ("portal:request", "request", "GET"),
            ("portal:photo", "attachment", "GET"),
            ("portal:confirm-pass", "tenant_pass", "POST"),
            ("portal:visitor-qr", "booking", "GET"),
        )
    ),
    # the residents' app: household, front desk from home, community (portal/views_household.py,
    # views_community.py). The owner's forms posted empty: let in, the form answers.
    *(
        Row(name, RESIDENTS, method=method, expect={ANON: to("portal:signin")})
        for name, method in (
            ("portal:person-add", "POST"),
            ("portal:vehicle-add", "POST"),
            ("portal:pet-add", "POST"),
            ("portal:passes", "GET"),
            ("portal:renovations", "GET"),
            ("portal:renovation-new", "GET"),
            ("portal:activities", "GET"),
        )
    ),
    # the residents' money pages (portal/views_money.py): the room's paying residents (the owner and
    # the neighbour are owners); a payment or receipt of 3-2-1502 is 404 to the neighbour
    *(
        Row(name, RESIDENTS, method=method, expect={ANON: to("portal:signin")})
        for name, method in (
            ("portal:bills", "GET"),
            ("portal:bills-paid", "GET"),
            ("portal:pay", "POST"),
            ("portal:notice-settings", "GET"),
            ("portal:inbox", "GET"),
            ("portal:inbox-read", "POST"),
        )
    ),
    Row(
        "portal:inbox-open",
        R({"resident"}),
        kwargs=pk("message"),
        expect={ANON: to("portal:signin"), "neighbour": HIDDEN, "resident": to("portal:home")},
        other_as="resident",
        why="the owner's own message (opening it leads to its page): anybody else's is 404",
    ),
    *(
        Row(
            name,
            R({"resident"}),
            kwargs=pk(attr),
            method=method,
            expect={ANON: to("portal:signin"), "neighbour": HIDDEN},
            why="3-2-1502's own: the neighbour (3-2-1501) gets 404",
        )
        for name, attr, method in (
            ("portal:person-end", "occupancy", "POST"),
            ("portal:vehicle-end", "vehicle", "POST"),
            ("portal:pet-end", "pet", "POST"),
            ("portal:lease-confirm", "lease", "POST"),
            ("portal:renovation", "renovation", "GET"),
            ("portal:signup-cancel", "signup", "POST"),
        )
    ),
    *(
        Row(
            name,
            RESIDENTS,
            kwargs=pk(attr),
            method=method,
            expect={ANON: to("portal:signin")},
            why="addressed to the whole project: both households; project B's resident gets 404",
        )
        for name, attr, method in (
            ("portal:notice", "announcement", "GET"),
            ("portal:activity", "activity", "GET"),
            ("portal:activity-signup", "activity", "POST"),
        )
    ),
    *(
        Row(
            name,
            R({"resident"}),
            kwargs=pk(attr),
            expect={ANON: to("portal:signin"), "neighbour": HIDDEN},
            why="3-2-1502's own money: the neighbour (3-2-1501) gets 404",
        )
        for name, attr in (
            ("portal:payment", "entry"),
            ("portal:receipt", "entry"),
            ("portal:sim-pay", "my_online_entry"),
        )
    ),
    # ---------------------------------------------------------------- webhooks: the company administrator's
    Row("webhooks:list", R({"admin"}), why="webhooks.rules.may_manage: company administrators only"),
    Row("webhooks:new", R({"admin"})),
    *(
        Row(f"webhooks:{name}", R({"admin"}), kwargs=pk(attr), method=method, why="another company's: 404")
        for name, attr, method in (
            ("detail", "webhook_endpoint", "GET"),
            ("edit", "webhook_endpoint", "GET"),
            ("ping", "webhook_endpoint", "POST"),
            ("rotate", "webhook_endpoint", "POST"),
            ("disable", "webhook_endpoint", "POST"),
            ("enable", "webhook_endpoint", "POST"),
            ("delivery", "webhook_delivery", "GET"),
            ("redeliver", "webhook_delivery", "POST"),
            ("delete", "webhook_unused", "POST"),
        )
    ),
    # the same over the API (webhooks/api.py)
    Row("api:webhook-endpoint-list", R({"admin"}), why="webhooks.rules.may_manage; another company's: their own"),
    Row(
        "api:webhook-endpoint-list",
        R({"admin"}),
        method="POST",
        data=lambda s: {"name": "门禁系统", "url": "https://93.184.216.34/in", "events": ["parcel.logged"]},
        variant="post",
    ),
    Row("api:webhook-endpoint-detail", R({"admin"}), kwargs=pk("webhook_endpoint")),
    Row(
        "api:webhook-endpoint-detail",
        R({"admin"}),
        kwargs=pk("webhook_endpoint"),
        method="PATCH",
        data=lambda s: {"name": "对接系统二期"},
        variant="patch",
    ),
    Row(
        "api:webhook-endpoint-detail",
        R({"admin"}),
        kwargs=pk("webhook_unused"),
        method="DELETE",
        variant="delete",
        why="one never sent to: deleted (one with deliveries is refused: webhooks/tests/test_api.py)",
    ),
    *(
        Row(f"api:webhook-endpoint-{name}", R({"admin"}), kwargs=pk(attr), method="POST", data=lambda s: {})
        for name, attr in (
            ("disable", "webhook_endpoint"),
            ("enable", "webhook_unused"),
            ("rotate-secret", "webhook_endpoint"),
            ("ping", "webhook_endpoint"),
        )
    ),
    Row("api:webhook-delivery-list", R({"admin"})),
    Row("api:webhook-delivery-detail", R({"admin"}), kwargs=pk("webhook_delivery")),
    Row(
        "api:webhook-delivery-redeliver", R({"admin"}), kwargs=pk("webhook_delivery"), method="POST", data=lambda s: {}
    ),
]


# ---------------------------------------------------------------- the scene, once per module


class _QuickPDF:
    """WeasyPrint takes a second a page: the matrix checks who gets the PDF, not how it looks
    (each app's own tests render the real thing)."""

    def __init__(self, string="", **kw):
        self.string = string

    def write_pdf(self, *a, **kw):
        return b"%PDF-1.7 matrix"


@pytest.fixture(autouse=True)
def _media_root():
    """Instead of conftest's media folder for each test: the scene's, set for the whole module."""


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once in a transaction of its own; each test's savepoint inside it is rolled back."""
    import weasyprint

    # the development gateway's payer page (billing:sim-pay) is there only with simulated payments
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"), BILLING_SIMULATED_PAYMENTS=True)
    media.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = Scene()
            built.sessions = signed_in(built)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()
            raise
    with mock.patch.object(weasyprint, "HTML", _QuickPDF):
        yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
    media.disable()


# The tests need the test database (pytest-django reads this mark) and run in the scene's savepoints:
pytestmark = pytest.mark.django_db


@pytest.fixture
def _django_db_helper(scene, django_db_blocker):
    """Overrides, for this module, the fixture pytest-django runs for a django_db test (a TestCase
    made and torn down for each test, 3 ms of the matrix's 2,500 tests each): the test's writes go
    into a savepoint inside the scene's transaction, rolled back after it. Should pytest-django
    rename its fixture, its own takes over again, nested the same way, only slower."""
    with django_db_blocker.unblock():
        savepoint = transaction.atomic()
        savepoint.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            savepoint.__exit__(None, None, None)


def signed_in(scene) -> dict[str, str]:
    """A session for everyone of the cast, made once: a test only sets its cookie."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = {}
    for attr in [*USERS.values(), *(other_user_attr(r) for r in (*STAFF, "resident"))]:
        user = getattr(scene, attr)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the model backend (axes' first)
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[attr] = session.session_key
    return keys


def user_attr(row: Row, role: str) -> str | None:
    if role == ANON:
        return None
    if role == OTHER:
        return other_user_attr(row.other_role())
    return USERS[role]


def ask(client, scene, row: Row, kwargs: dict):
    url = reverse(row.name, kwargs=kwargs or None)
    query = row.query(scene) if row.query else {}
    if row.method == "GET":
        return client.get(url, query)
    if query:
        url += "?" + urlencode(query)
    if row.method == "DELETE":
        return client.delete(url)
    if row.method == "PATCH":
        return client.patch(url, row.data(scene) if row.data else {}, content_type="application/json")
    return client.post(url, row.data(scene) if row.data else {})


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    if response.status_code != 200 or not ("html" in kind or "json" in kind or "text" in kind):
        return ""
    return response.content.decode()


CASES = [pytest.param(row, role, id=f"{row.id}-{role}") for row in ROWS for role in CAST]


@pytest.mark.parametrize("row,role", CASES)
def test_access(scene, client, row, role):
    attr = user_attr(row, role)
    if attr is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = scene.sessions[attr]
    kwargs = row.kwargs(scene) if row.kwargs else {}
    response = ask(client, scene, row, kwargs)
    problem = row.expected(role, kwargs).problem(response, row.method, scene)
    assert problem is None, f"{row.id} as {role}: {problem}" + (f" ({row.why})" if row.why else "")
    text = _text(response)
    if role == OTHER:
        shown = [t for t in PROJECT_A_TEXT if t in text]
        assert not shown, f"{row.id}: project B's {row.other_role()} is shown project A's {shown}"
    if role == "neighbour":
        shown = [t for t in HOUSEHOLD_TEXT if t in text]
        assert not shown, f"{row.id}: the neighbour is shown 3-2-1502's {shown}"


NO_SUCH_IDS = (10**9, 2**63)  # no row has it; past the range of an id


@pytest.mark.parametrize("row", [r for r in ROWS if r.allow and r.kwargs], ids=lambda r: r.id)
def test_an_id_no_row_has_is_404(scene, client, row):
    """Every id in the URL, one at a time, swapped for one no row has: 404 for who may see the
    real one (never a 500, never a record found by mistake)."""
    role = row.other_role()
    client.cookies[settings.SESSION_COOKIE_NAME] = scene.sessions[USERS[role]]
    kwargs = row.kwargs(scene)
    for key, value in kwargs.items():
        if not isinstance(value, int):
            continue
        for missing in NO_SUCH_IDS:
            response = ask(client, scene, row, {**kwargs, key: missing})
            assert response.status_code == 404, f"{row.id} as {role} with {key}={missing}: {response.status_code}"


def test_every_url_pattern_has_a_row():
    covered = {row.name for row in ROWS}
    missing = {name: route for name, route in named_patterns().items() if name not in covered}
    assert not missing, (
        "These URLs have no row in the access matrix (tests/test_access_matrix.py ROWS): "
        + "; ".join(f"{name} ({route})" for name, route in sorted(missing.items()))
        + ". Add a Row(name, allow={roles that get through}, kwargs=..., method=...) saying who may "
        "open it; see tests/access.py. Only a URL that serves no data belongs in tests/access.py SKIP."
    )


def test_the_table_and_the_skip_list_name_real_urls():
    named = set(named_patterns())
    assert {row.name for row in ROWS} <= named, {row.name for row in ROWS} - named
    assert set(SKIP) <= set(named_patterns(skip=False)), set(SKIP) - set(named_patterns(skip=False))
