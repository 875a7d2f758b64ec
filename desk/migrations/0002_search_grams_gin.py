"""PostgreSQL only: a GIN index on the 2-character shingles that Chinese search uses
(desk/search.py). SQLite searches with LIKE and needs nothing here."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS sr_search_grams_gin ON desk_servicerequest "
            "USING gin (search_grams jsonb_path_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS sr_search_grams_gin")


class Migration(migrations.Migration):
    dependencies = [("desk", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
