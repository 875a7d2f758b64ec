from django.contrib import admin

from estate.models import (
    Building,
    CareTag,
    HouseholdNote,
    Occupancy,
    ParkingSpace,
    Pet,
    Resident,
    Room,
    Unit,
    Vehicle,
)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "project", "floors")
    list_filter = ("project",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("number", "building")
    list_select_related = ("building",)


class OccupancyInline(admin.TabularInline):
    model = Occupancy
    extra = 0
    autocomplete_fields = ("resident",)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("code", "project", "floor", "area", "orientation", "use", "state")
    list_filter = ("project", "use", "state")
    search_fields = ("code",)
    list_select_related = ("project",)
    inlines = [OccupancyInline]


@admin.register(CareTag)
class CareTagAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "colour", "hint", "order", "active")
    list_filter = ("company", "active")
    list_editable = ("order", "active")


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    """Phone and ID numbers are never listed in full: the household page shows them masked with a
    logged reveal."""

    list_display = ("name", "project", "masked_phone", "gender")
    list_filter = ("project",)
    search_fields = ("name", "=phone", "name_initials")
    raw_id_fields = ("user",)
    exclude = ("id_number",)
    filter_horizontal = ("care_tags",)


@admin.register(Occupancy)
class OccupancyAdmin(admin.ModelAdmin):
    list_display = ("resident", "room", "relation", "start", "end")
    list_filter = ("relation",)
    raw_id_fields = ("room", "resident")


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ("plate", "room", "resident", "brand", "registered_on", "ended_on")
    list_filter = ("project",)
    search_fields = ("plate",)
    raw_id_fields = ("room", "resident")


@admin.register(ParkingSpace)
class ParkingSpaceAdmin(admin.ModelAdmin):
    list_display = ("number", "project", "kind", "room", "vehicle", "start", "end")
    list_filter = ("project", "kind")
    search_fields = ("number",)
    raw_id_fields = ("room", "vehicle")


@admin.register(Pet)
class PetAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "room", "vaccinated_on", "gone_on")
    list_filter = ("kind",)
    raw_id_fields = ("room",)


@admin.register(HouseholdNote)
class HouseholdNoteAdmin(admin.ModelAdmin):
    list_display = ("room", "author", "created_at", "text")
    raw_id_fields = ("room",)

    def has_change_permission(self, request, obj=None):
        return False  # notes are never edited

    def has_delete_permission(self, request, obj=None):
        return False
