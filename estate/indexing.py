"""The search index of residents' names for rows written in bulk (bulk_create skips save()):
imports, the demo and the benchmark call `reindex_residents` afterwards."""

from django.db import connection, transaction

from estate.models import Resident, ResidentNameGram
from estate.normalize import name_grams, name_initials, name_pinyin


@transaction.atomic
def reindex_residents(queryset=None, *, batch: int = 5000) -> int:
    """Recompute pinyin initials, full pinyin and name substrings of the given residents (default: all). Returns
    how many residents were indexed."""
    rows = list((queryset if queryset is not None else Resident.objects.all()).values_list("pk", "name", "project_id"))
    if not rows:
        return 0
    ids = [pk for pk, _name, _project in rows]
    for start in range(0, len(ids), batch):
        ResidentNameGram.objects.filter(resident_id__in=ids[start : start + batch]).delete()
    # executemany, not bulk_update: bulk_update's CASE of thousands of branches is quadratic
    table = connection.ops.quote_name(Resident._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET name_initials = %s, name_pinyin = %s WHERE id = %s",
            [(name_initials(n), name_pinyin(n), pk) for pk, n, _p in rows],
        )
    grams = [
        ResidentNameGram(resident_id=pk, project_id=project_id, gram=g)
        for pk, name, project_id in rows
        for g in name_grams(name)
    ]
    ResidentNameGram.objects.bulk_create(grams, batch_size=batch)
    return len(rows)
