from datetime import timedelta

import pytest
from django.utils import timezone

from core import privacy
from importer.models import ImportSession
from importer.retention import purge_staging
from importer.tests.sheets import dirty_residents

pytestmark = pytest.mark.django_db


def test_staged_personal_data_is_cleared_after_the_retention_period(world, stage):
    session = stage(dirty_residents(), "residents")
    assert "import_staging" in {r.code for r in privacy.retentions()}
    assert purge_staging(company=world.company, before=session.created_at) == 0
    touched = purge_staging(company=world.company, before=timezone.now() + timedelta(seconds=1))
    assert touched == session.total_rows
    session = ImportSession.objects.get(pk=session.pk)
    assert session.purged_at and not session.file
    assert all(r.data == {} and r.errors == {} for r in session.rows.all())
    assert session.total_rows == 10 and session.file_name == "residents.xlsx"  # the record stays
    assert purge_staging(company=world.company, before=timezone.now() + timedelta(seconds=1)) == 0


def test_a_purged_session_cannot_be_imported(world, stage):
    from core.errors import ActionRefused
    from importer import services

    session = stage(dirty_residents(), "residents")
    purge_staging(company=world.company, before=timezone.now() + timedelta(seconds=1))
    session.refresh_from_db()
    with pytest.raises(ActionRefused, match="重新上传"):
        services.session_commit(actor=world.supervisor, session=session)
