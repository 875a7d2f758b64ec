import pytest

from importer import services
from importer.choices import ImportKind


@pytest.fixture
def stage(world):
    """Upload a file, accept the guessed mapping and stage it (in the request, as a small file is)."""

    def run(upload, kind=ImportKind.ROOMS, actor=None, project=None):
        actor = actor or world.supervisor
        session = services.session_upload(actor=actor, project=project or world.project, kind=kind, upload=upload)
        session = services.session_map(actor=actor, session=session, mapping=session.mapping)
        return services.session_stage(session_id=session.pk)

    return run


def errors_by_row(session) -> dict[int, dict[str, str]]:
    return {r.number: r.errors for r in session.rows.order_by("number") if r.errors and not r.skipped}
