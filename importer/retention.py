"""Clearing the personal data an import keeps (staged rows, the uploaded file) after the retention period."""

from django.utils import timezone

from importer.models import ImportRow, ImportSession


def purge_staging(*, company, before) -> int:
    """Blank the staged rows and delete the uploaded file of this company's sessions older than
    `before`; the session (who, when, file name, counts) stays. Returns how many rows were blanked."""
    sessions = list(ImportSession.objects.filter(company=company, created_at__lt=before, purged_at__isnull=True))
    if not sessions:
        return 0
    touched = ImportRow.objects.filter(session__in=sessions).update(data={}, errors={})
    for session in sessions:
        if session.file:
            session.file.delete(save=False)
    ImportSession.objects.filter(pk__in=[s.pk for s in sessions]).update(file="", purged_at=timezone.now())
    return touched
