import pytest

from webhooks import sending


@pytest.fixture(autouse=True)
def _webhooks(settings, monkeypatch):
    """Each test reads the subscriptions afresh, nothing is handed to the real task queue (`kicks`
    counts the asks), and the local receiver on 127.0.0.1 may be called unless a test says otherwise."""
    settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE = True
    sending.invalidate()
    kicks = []
    monkeypatch.setattr(sending, "kick", lambda: kicks.append(1))
    yield kicks
    sending.invalidate()


@pytest.fixture
def kicks(_webhooks):
    return _webhooks
