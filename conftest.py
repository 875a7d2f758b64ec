import pytest

from tests.factories import World


@pytest.fixture
def world(db):
    return World()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
