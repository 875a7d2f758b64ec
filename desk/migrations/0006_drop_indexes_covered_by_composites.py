"""Drop the single-column indexes of foreign keys that lead a composite index (the composite serves
the same lookups): one index fewer to maintain per write. Only the indexes are dropped; Django's
own AlterField would also drop and re-add each foreign-key constraint, re-checking every row of
the two largest tables under an exclusive lock."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_privacy_logs"),
        ("desk", "0005_phrase_library"),
        ("estate", "0002_registry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", reverse_sql=migrations.RunSQL.noop)
                for name in (
                    "desk_requestevent_request_id_2d16c394",
                    "desk_servicerequest_assignee_id_376d3c78",
                    "desk_servicerequest_department_id_5f3cf19a",
                    "desk_servicerequest_project_id_e86d4c90",
                    "desk_servicerequest_receiver_id_1051bf64",
                    "desk_servicerequest_room_id_ff20f334",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="requestevent",
                    name="request",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="desk.servicerequest",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assigned_requests",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="处理人",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="core.department",
                        verbose_name="处理部门",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="core.project",
                        verbose_name="项目",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="receiver",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="received_requests",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="首问责任人",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="room",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="estate.room",
                        verbose_name="房屋",
                    ),
                ),
            ],
        ),
    ]
