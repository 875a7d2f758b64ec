#!/usr/bin/env python3
"""PropDesk's two entry points; needs nothing but python3.

    python3 dev.py run     build .venv, migrate, load the demo data, start the worker, serve
    python3 dev.py test    build .venv, run the whole test suite (DATABASE_URL picks the database)

Other sub-commands: `manage ARGS...` (Django's manage.py inside the venv), `lint`.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
REQS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"


def ensure_env() -> None:
    """Create the virtual environment and install the pinned requirements when they changed."""
    digest = hashlib.sha256(REQS.read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == digest:
        return
    if not PY.exists():
        print("» creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("» installing requirements (first run takes a minute)", flush=True)
    subprocess.check_call([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(REQS)])
    STAMP.write_text(digest)


def manage(*args: str, **kw) -> int:
    return subprocess.call([str(PY), str(ROOT / "manage.py"), *args], cwd=ROOT, **kw)


def cmd_run(argv: list[str]) -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)  # whitenoise serves from the finders here
    for step in (["migrate", "--no-input", "-v", "0"], ["seed_demo", "--if-empty"]):
        if manage(*step) != 0:
            return 1
    worker = subprocess.Popen([str(PY), str(ROOT / "manage.py"), "run_huey", "--quiet"], cwd=ROOT)
    try:
        manage("print_logins", f"http://{host}:{port}/")
        return manage("runserver", "--noreload", f"{host}:{port}")
    except KeyboardInterrupt:
        return 0
    finally:
        worker.terminate()


def cmd_test(argv: list[str]) -> int:
    env = dict(os.environ)
    db = env.get("DATABASE_URL", "sqlite (embedded)")
    print(f"» tests on {db}", flush=True)
    rc = subprocess.call([str(PY), "-m", "pytest", *argv], cwd=ROOT, env=env)
    if rc == 5:
        print("✗ pytest collected no tests: that is a failure here", flush=True)
        return 1
    return rc


def cmd_lint(argv: list[str]) -> int:
    rc = subprocess.call([str(VENV / "bin" / "ruff"), "check", "."], cwd=ROOT)
    return rc or subprocess.call([str(VENV / "bin" / "ruff"), "format", "--check", "."], cwd=ROOT)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "manage", "lint"}:
        print(__doc__)
        return 2
    ensure_env()
    sub, rest = sys.argv[1], sys.argv[2:]
    if sub == "manage":
        return manage(*rest)
    return {"run": cmd_run, "test": cmd_test, "lint": cmd_lint}[sub](rest)


if __name__ == "__main__":
    sys.exit(main())
