"""Browser tests: Debian's chromium driven by Playwright against Django's live server.

Without /usr/bin/chromium they are skipped, unless PROPDESK_REQUIRE_BROWSER=1 (CI sets it),
in which case a missing browser is a failure, not a skip."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("PROPDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and PROPDESK_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test body's ORM calls are
    # ordinary synchronous code all the same.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def close_pages_after_the_test(request):
    """Close every browser context a test opened, so no page left behind goes on polling the live
    server (htmx "every 1s") while later tests run: a request served in the server's thread during
    another test's ast.parse trips CPython 3.11's shared AST recursion counter (gh-106905)."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()


@pytest.fixture
def shots(request):
    """shots("name", page) saves a screenshot under test-artifacts/<test name>/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(name, page):
        page.screenshot(path=str(folder / f"{next(counter):02d}-{name}.png"), full_page=True)

    return take
