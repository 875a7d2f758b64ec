"""The household file (一户一档), the estate search and the rooms list. Thin: reads from
selectors, writes through services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.access import requires
from core.pages import act, run_service
from core.paging import keyset_page
from estate import forms, selectors, services
from estate.models import Occupancy, Pet, Resident, Room, Vehicle
from estate.panels import room_panels
from estate.timeline import room_timeline, sources

TIMELINE_LIMIT = 500


staff_only = requires("estate.browse", _lazy("业户请使用业主端。"))


def _room(request, pk) -> Room:
    """The household page's room (the views calling this are @staff_only)."""
    room = selectors.household(request.user, pk)
    if room is None:
        raise Http404
    return room


def _household_context(request, room, bound: dict | None = None) -> dict:
    user = request.user
    source = request.GET.get("source", "")
    all_sources = sources()
    codes = {s.code for s in all_sources}
    labels = {s.code: str(s.label) for s in all_sources}
    only = {source} if source in codes else None
    editable = services.may_edit(user, room)
    # The edit forms are fetched when opened (estate:pane): rendering seven forms on every visit
    # cost more than the rest of the page. A form that failed comes back here, bound, with errors.
    blank = {"note_form": forms.NoteForm(prefix="note")} if editable else {}
    blank.update(bound or {})
    return {
        "room": room,
        "people": selectors.household_people(room),
        **selectors.household_things(room),
        "timeline": room_timeline(room=room, user=user, only=only, limit=TIMELINE_LIMIT),
        "panels": room_panels(request=request, room=room),
        "timeline_labels": labels,
        "sources": all_sources,
        "source": source if only else "",
        "editable": editable,
        "open_form": next(iter(bound or {}), ""),
        **blank,
    }


def timeline_html(entries, labels: dict) -> str:
    """The timeline's rows, written directly: through the template engine, 500 entries cost more
    than everything else on the page."""
    tz = timezone.get_current_timezone()

    def row(e):
        state = (
            format_html(' <span class="badge text-bg-{}">{}</span>', e.extra.get("colour") or "secondary", e.state)
            if e.state
            else ""
        )
        actor = format_html('<span class="text-muted ms-auto">{}</span>', e.actor) if e.actor else ""
        title = format_html('<a href="{}">{}</a>', e.url, e.title) if e.url else e.title
        detail = format_html(' <span class="text-muted">{}</span>', e.detail) if e.detail else ""
        return (
            e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            labels.get(e.source, e.source),
            state,
            actor,
            title,
            detail,
        )

    return format_html_join(
        "",
        '<li class="list-group-item"><div class="d-flex gap-2"><span class="text-muted text-nowrap">{}</span>'
        ' <span class="badge text-bg-light">{}</span>{}{}</div>'
        '<div style="white-space: pre-line">{}{}</div></li>',
        (row(e) for e in entries),
    )


PANES = {
    "room": ("room_form", lambda room: forms.RoomForm(instance=room, prefix="room")),
    "person": ("person_form", lambda room: forms.NewPersonForm(company_id=room.project.company_id, prefix="person")),
    "occ": ("occupancy_form", lambda room: forms.OccupancyForm(room=room, prefix="occ")),
    "vehicle": ("vehicle_form", lambda room: forms.VehicleForm(room=room, prefix="vehicle")),
    "parking": ("parking_form", lambda room: forms.ParkingForm(room=room, prefix="parking")),
    "pet": ("pet_form", lambda room: forms.PetForm(prefix="pet")),
}


@staff_only
def pane(request, pk, name):
    """htmx: one of the household page's edit forms, blank."""
    room = _room(request, pk)
    _editable(request, room)
    if name not in PANES:
        raise Http404
    form = PANES[name][1](room)
    return render(request, "estate/_pane_form.html", {"room": room, "form": form, "pane": name})


@staff_only
def household(request, pk):
    room = _room(request, pk)
    return render(request, "estate/household.html", _household_context(request, room))


def _save(request, room, name: str, form, do):
    """Run `do(form.cleaned_data)` if the form is valid (core.pages.run_service; a refusal is also
    flashed); else, or when the service refuses, show the household page again with the form and its
    errors."""
    if form.is_valid() and run_service(
        request, lambda: do(form.cleaned_data), form=form, success=_("已保存。"), flash_refusal=True
    ):
        return redirect(reverse("estate:household", args=[room.pk]) + f"#{name.removesuffix('_form')}")
    response = render(request, "estate/household.html", _household_context(request, room, {name: form}))
    response.status_code = 400
    return response


def _editable(request, room):
    if not services.may_edit(request.user, room):
        raise PermissionDenied(_("只有本项目的客服人员可以修改户档。"))


@staff_only
@require_POST
def room_edit(request, pk):
    room = _room(request, pk)
    _editable(request, room)
    form = forms.RoomForm(request.POST, instance=Room.objects.get(pk=room.pk), prefix="room")
    return _save(
        request, room, "room_form", form, lambda d: services.room_update(actor=request.user, room=room, data=d)
    )


@staff_only
@require_POST
def person_add(request, pk):
    room = _room(request, pk)
    _editable(request, room)
    form = forms.NewPersonForm(request.POST, company_id=room.project.company_id, prefix="person")

    def do(d):
        services.resident_create(
            actor=request.user,
            room=room,
            data=form.resident_data(),
            relation=d["relation"],
            start=d.get("start"),
            end_current_owners=d.get("end_current_owners"),
        )

    return _save(request, room, "person_form", form, do)


@staff_only
def person_edit(request, pk, resident_pk):
    room = _room(request, pk)
    _editable(request, room)
    resident = get_object_or_404(Resident.objects.filter(occupancies__room=room).distinct(), pk=resident_pk)
    form = forms.ResidentForm(request.POST or None, instance=resident, company_id=room.project.company_id, initial={})
    if request.method == "POST" and form.is_valid():
        if run_service(
            request,
            lambda: services.resident_update(
                actor=request.user, room=room, resident=Resident.objects.get(pk=resident.pk), data=form.resident_data()
            ),
            form=form,
            success=_("已保存。"),
            flash_refusal=True,
        ):
            return redirect(reverse("estate:household", args=[room.pk]) + "#people")
    status = 400 if request.method == "POST" else 200
    return render(request, "estate/person_edit.html", {"room": room, "resident": resident, "form": form}, status=status)


@staff_only
@require_POST
def occupancy_add(request, pk):
    room = _room(request, pk)
    _editable(request, room)
    form = forms.OccupancyForm(request.POST, room=room, prefix="occ")

    def do(d):
        services.occupancy_add(
            actor=request.user,
            room=room,
            resident=d["resident"],
            relation=d["relation"],
            start=d.get("start"),
            end=d.get("end"),
            end_current_owners=d.get("end_current_owners"),
        )

    return _save(request, room, "occupancy_form", form, do)


@staff_only
@require_POST
def occupancy_end(request, pk, occ_pk):
    room = _room(request, pk)
    _editable(request, room)
    occupancy = get_object_or_404(Occupancy.objects.select_related("room"), pk=occ_pk, room=room)
    form = forms.EndForm(request.POST)
    return _save(
        request,
        room,
        "end_form",
        form,
        lambda d: services.occupancy_end(actor=request.user, occupancy=occupancy, end=d["end"]),
    )


@staff_only
@require_POST
def vehicle_add(request, pk):
    room = _room(request, pk)
    _editable(request, room)
    form = forms.VehicleForm(request.POST, room=room, prefix="vehicle")
    return _save(
        request,
        room,
        "vehicle_form",
        form,
        lambda d: services.vehicle_add(
            actor=request.user,
            room=room,
            plate=d["plate"],
            resident=d.get("resident"),
            brand=d.get("brand"),
            colour=d.get("colour"),
            note=d.get("note"),
        ),
    )


@staff_only
@require_POST
def vehicle_end(request, pk, vehicle_pk):
    room = _room(request, pk)
    _editable(request, room)
    vehicle = get_object_or_404(Vehicle.objects.select_related("room"), pk=vehicle_pk, room=room)
    return act(
        request,
        lambda: services.vehicle_end(actor=request.user, vehicle=vehicle),
        success=_("已注销车辆 %(plate)s。") % {"plate": vehicle.plate},
        to=reverse("estate:household", args=[room.pk]) + "#vehicles",
    )


@staff_only
@require_POST
def parking_add(request, pk):
    room = _room(request, pk)
    _editable(request, room)
    form = forms.ParkingForm(request.POST, room=room, prefix="parking")
    return _save(
        request,
        room,
        "parking_form",
        form,
        lambda d: services.parking_save(
            actor=request.user,
            room=room,
            number=d["number"],
            kind=d["kind"],
            vehicle=d.get("vehicle"),
            start=d.get("start"),
            end=d.get("end"),
            note=d.get("note") or "",
        ),
    )


@staff_only
@require_POST
def pet_add(request, pk):
    room = _room(request, pk)
    _editable(request, room)
    form = forms.PetForm(request.POST, prefix="pet")
    return _save(
        request,
        room,
        "pet_form",
        form,
        lambda d: services.pet_add(
            actor=request.user,
            room=room,
            kind=d["kind"],
            name=d.get("name") or "",
            breed=d.get("breed") or "",
            licence=d.get("licence") or "",
            vaccinated_on=d.get("vaccinated_on"),
        ),
    )


@staff_only
@require_POST
def pet_update(request, pk, pet_pk):
    room = _room(request, pk)
    _editable(request, room)
    pet = get_object_or_404(Pet.objects.select_related("room"), pk=pet_pk, room=room)
    back = reverse("estate:household", args=[room.pk]) + "#pets"
    if request.POST.get("action") == "gone":
        return act(request, lambda: services.pet_gone(actor=request.user, pet=pet), success=_("已保存。"), to=back)
    form = forms.EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写接种日期。"))
        return redirect(back)
    return act(
        request,
        lambda: services.pet_vaccinated(actor=request.user, pet=pet, on=form.cleaned_data["end"]),
        success=_("已保存。"),
        to=back,
    )


@staff_only
@require_POST
def note_add(request, pk):
    room = _room(request, pk)
    _editable(request, room)
    form = forms.NoteForm(request.POST, prefix="note")
    return _save(
        request, room, "note_form", form, lambda d: services.note_add(actor=request.user, room=room, text=d["text"])
    )


# ---------------------------------------------------------------- search


@staff_only
def search(request):
    q = request.GET.get("q", "").strip()
    found = selectors.search(request.user, q)
    people = [(r, selectors.room_of(r)) for r in found["people"]]
    return render(
        request,
        "estate/search.html",
        {"q": q, "rooms": found["rooms"], "people": people, "vehicles": found["vehicles"], "more": found["more"]},
    )


# ---------------------------------------------------------------- rooms list

PAGE_SIZE = 50


@staff_only
def room_list(request):
    form = forms.RoomFilterForm(request.GET or None, user=request.user)
    rooms = selectors.staff_rooms(request.user)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d.get("building"):
            rooms = rooms.filter(building=d["building"])
        if d.get("state"):
            rooms = rooms.filter(state=d["state"])
        if d.get("use"):
            rooms = rooms.filter(use=d["use"])
        if d.get("tag"):
            tagged = Occupancy.objects.current().filter(resident__care_tags=d["tag"]).values("room_id")
            rooms = rooms.filter(pk__in=tagged)
    # natural order (1-1-101 before 1-1-1001), paged on the room_sort_key index
    page = keyset_page(
        selectors.with_occupants(rooms.select_related("project")),
        request.GET.get("after"),
        size=PAGE_SIZE,
        order=("sort_key", "id"),
    )
    return render(request, "estate/room_list.html", {"form": form, "page": page, "rooms": page.rows})
