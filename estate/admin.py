from django.contrib import admin

from estate.models import Building, Occupancy, Resident, Room, Unit


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
    list_display = ("code", "project", "floor", "area", "use", "state")
    list_filter = ("project", "use", "state")
    search_fields = ("code",)
    list_select_related = ("project",)
    inlines = [OccupancyInline]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "phone")
    list_filter = ("project",)
    search_fields = ("name", "phone")
    raw_id_fields = ("user",)


@admin.register(Occupancy)
class OccupancyAdmin(admin.ModelAdmin):
    list_display = ("resident", "room", "relation", "start", "end")
    list_filter = ("relation",)
    raw_id_fields = ("room", "resident")
