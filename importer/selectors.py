"""Reads of the importer shared by pages and tests: sessions scoped to the user's projects."""

from django.db.models import QuerySet

from importer.models import ImportRow, ImportSession
from importer.services import may_import


def visible_sessions(user) -> QuerySet[ImportSession]:
    if not may_import(user):
        return ImportSession.objects.none()
    qs = ImportSession.objects.select_related("project", "created_by")
    if user.is_superuser:
        return qs
    return qs.filter(project_id__in=user.project_ids())


def session_rows(session: ImportSession, *, show: str = "errors", after: int = 0, size: int = 50) -> list[ImportRow]:
    """A page of the session's rows in file order: those with errors, the skipped ones, or all."""
    qs = session.rows.filter(number__gt=after)
    if show == "errors":
        qs = qs.filter(has_errors=True)
    elif show == "skipped":
        qs = qs.filter(skipped=True)
    return list(qs.order_by("number")[: size + 1])
