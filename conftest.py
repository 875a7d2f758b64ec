import pytest

from tests.factories import World


def pytest_configure(config):
    """The sign-in throttle (django-axes) is off in tests: they sign in through client.login(),
    which gives authenticate() no request. The throttling tests turn it on (core/tests/test_signin.py)."""
    from django.conf import settings

    settings.AXES_ENABLED = False


@pytest.fixture
def world(db):
    return World()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English must not leak into the next test."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()  # cached option lists belong to the test that made them
    yield
    translation.activate(settings.LANGUAGE_CODE)
