"""One line per measured target, so `bench/run_all.py` can gather every benchmark's figures into the
table of docs/performance.md without reading each script's own printout.

A benchmark calls `report(...)` once per target after printing its figures as it always did; the
line starts with `BENCH-RESULT ` and carries JSON: the target, its goal, the figure as the table
shows it, whether the goal is met (None: no goal, a figure to keep an eye on) and notes.
"""

import json
import os
import sys
from pathlib import Path

PREFIX = "BENCH-RESULT "


def report(target: str, goal: str, figure: str, ok: bool | None, note: str = "") -> None:
    line = {"target": target, "goal": goal, "figure": figure, "ok": ok, "note": note}
    print(PREFIX + json.dumps(line, ensure_ascii=False), flush=True)


def parse(text: str) -> list[dict]:
    return [json.loads(line[len(PREFIX) :]) for line in text.splitlines() if line.startswith(PREFIX)]


def backend_cpu(connection):
    """A function giving the CPU seconds the PostgreSQL backend of `connection` has used so far, read
    from /proc (the database must run on this machine); None when it cannot be read. CPU time does
    not depend on what else the machine is doing, the clock time does."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return None

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, Python {sys.version.split()[0]}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ensure_database(base: str, name: str, rebuild: bool = False) -> bool:
    """A benchmark's own database on the server `base` (postgres://user@host:port): made when
    missing, dropped and made again with `rebuild`. True when it is new (and must be filled)."""
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    return False
