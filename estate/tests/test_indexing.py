"""Residents written in bulk (imports, demo, benchmark) get their search index afterwards."""

from estate.indexing import reindex_residents
from estate.models import Resident, ResidentNameGram
from estate.selectors import search


def test_bulk_created_residents_become_searchable(world):
    Resident.objects.bulk_create([Resident(project=world.project, name="欧阳修", phone="13500001234")])
    assert search(world.cs, "oyx")["people"] == []
    assert reindex_residents(Resident.objects.filter(name="欧阳修")) == 1
    assert [r.name for r in search(world.cs, "oyx")["people"]] == ["欧阳修"]
    assert [r.name for r in search(world.cs, "阳修")["people"]] == ["欧阳修"]
    assert [r.name for r in search(world.cs, "ouyangxiu")["people"]] == ["欧阳修"]
    # running it again changes nothing
    before = ResidentNameGram.objects.count()
    reindex_residents()
    assert ResidentNameGram.objects.count() == before
