"""Re-run the benchmarks and print the table of docs/performance.md, dated and with the commit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/run_all.py [NAME ...]
        [--list] [--log FILE]

Every issue that touches a hot path re-measures with this instead of quoting an old figure. NAME
picks benchmarks (default: all, in the order below); `--list` shows them. Each runs as its own
process, as its script's usage says, with its output shown as it goes; each script ends by
reporting its targets (`bench/results.py`), which this gathers into one table:

    | benchmark | target | goal | measured | result |

headed by the date, the commit (and whether the work tree had uncommitted changes), the machine
and its load average before and after (other work on a shared machine shows there: read the CPU
and query-count figures, which it does not move, next to the clock times, which it does).

Those marked "generated" need DATABASE_URL to name a database made by `manage.py generate_scale`
(1,000,000 requests for the documented figures); without it they are skipped, said so in the
table. The others build (once) and use a database of their own, named in their scripts. The exit
status is 0 only when every target that has a goal meets it and no script failed.
"""

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import load_average, machine, parse  # noqa: E402


@dataclass
class Bench:
    name: str
    script: str
    args: tuple[str, ...] = ()
    generated: bool = False  # runs against DATABASE_URL, a generate_scale database
    what: str = ""


BENCHES = [
    Bench("escalation", "bench_escalation.py", ("--due", "1000", "--runs", "5"), True, "escalation pass, 1,000 due"),
    Bench("http", "http_bench.py", (), True, "pages, API, lookups, search, registering over HTTP (gunicorn + wrk)"),
    Bench("register-cpu", "register_cpu.py", (), True, "CPU per registration, app and database"),
    Bench("review", "bench_review.py", (), True, "monthly review of the busiest project-month"),
    Bench("jobs", "bench_jobs.py", (), True, "technician's job list page, the busiest technicians"),
    Bench("board", "bench_board.py", (), True, "supervisor's board: the busiest project and the company"),
    Bench("portal", "bench_portal.py", (), True, "residents' app: sign-in code check and home page"),
    Bench("household", "bench_household.py", (), False, "household search and page (propdesk_bench_estate)"),
    Bench("handover", "bench_handover.py", (), False, "shift handover of 10,000 open items (propdesk_bench_duty)"),
    Bench("parcels", "bench_parcels.py", (), False, "parcels at 1,000,000 rows (propdesk_bench_frontdesk)"),
    Bench("import", "bench_import.py", (), False, "import of 100,000 residents (propdesk_bench_importer)"),
    Bench(
        "suggest", "bench_suggest.py", (), False, "intake suggestion, 600,000 learned words (propdesk_bench_suggest)"
    ),
    Bench("intake-call", "bench_intake_call.py", (), False, "the leak call in chromium: keys and product time"),
    Bench("billing-run", "bench_billing_run.py", (), False, "billing run of 100,000 rooms (propdesk_bench_billing)"),
    Bench("payments", "bench_payments.py", (), False, "payments posted, 1 and 4 clients (propdesk_bench_payments)"),
    Bench("fanout", "bench_fanout.py", (), False, "an announcement to 10,000 homes (propdesk_bench_fanout)"),
    Bench(
        "webhooks", "bench_webhooks.py", (), False, "1,000 webhook deliveries, two workers (propdesk_bench_webhooks)"
    ),
    Bench(
        "arrears",
        "bench_arrears.py",
        (),
        False,
        "arrears ledger, 7,000-room project, 10M bill lines (propdesk_bench_billing)",
    ),
]


def commit() -> str:
    def git(*args) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("log", "-1", "--format=%h %s")[:90] or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return head + (" (plus uncommitted changes)" if dirty else "")


def run(bench: Bench, log) -> tuple[list[dict], str]:
    """Run one script, echoing and logging its output; (its reported targets, a problem or '')."""
    command = [sys.executable, str(ROOT / "bench" / bench.script), *bench.args]
    print(f"\n=== {bench.name}: {' '.join(command[1:])}", flush=True)
    log.write(f"\n=== {bench.name}: {' '.join(command[1:])}\n")
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        log.write(line)
        print(line, end="", flush=True)
    code = process.wait()
    took = time.perf_counter() - started
    rows = parse("".join(lines))
    print(f"=== {bench.name}: exit {code} after {took:.0f} s", flush=True)
    if not rows:
        tail = next((x.strip() for x in reversed(lines) if x.strip()), "")
        return [], f"no figures (exit {code}): {tail[:150]}"
    return rows, ""


def cell(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    parser.add_argument("--log", default=str(ROOT / "var" / "bench-run_all.log"), help="full output goes here")
    args = parser.parse_args()
    known = {b.name: b for b in BENCHES}
    if args.list:
        for b in BENCHES:
            flag = "generated DATABASE_URL" if b.generated else "own database"
            print(f"{b.name:<13} {b.what} [{flag}]: bench/{b.script} {' '.join(b.args)}")
        return 0
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[n] for n in args.names] if args.names else BENCHES

    started_at, started_load = datetime.now().astimezone(), load_average()
    database = os.environ.get("DATABASE_URL", "")
    table: list[tuple[str, dict]] = []
    failed = False
    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    with open(args.log, "w") as log:
        for bench in chosen:
            if bench.generated and not database.startswith("postgres"):
                table.append((bench.name, {"target": bench.what, "goal": "", "figure": "", "ok": None,
                                           "note": "skipped: set DATABASE_URL to a generate_scale database"}))  # fmt: skip
                continue
            rows, problem = run(bench, log)
            if problem:
                failed = True
                table.append((bench.name, {"target": bench.what, "goal": "", "figure": problem, "ok": False}))
            for row in rows:
                failed |= row["ok"] is False
                table.append((bench.name, row))

    verdict = {True: "pass", False: "**FAIL**", None: "–"}
    print(f"\n## Measured {started_at:%Y-%m-%d %H:%M %Z} with `bench/run_all.py {' '.join(args.names)}`".rstrip())
    print(f"\nCommit: {commit()}.  ")
    print(f"Machine: {machine()}; load average at start {started_load}, at end {load_average()}.  ")
    if database:
        print(f"Generated database: {database.rsplit('/', 1)[-1]}.  ")
    print(f"Full output: {args.log}\n")
    print("| benchmark | target | goal | measured | result |")
    print("| --- | --- | --- | --- | --- |")
    for name, row in table:
        note = f" ({row['note']})" if row.get("note") else ""
        print(
            f"| {name} | {cell(row['target'])} | {cell(row['goal']) or '–'} | {cell(row['figure'])}{cell(note)} | "
            f"{verdict[row['ok']]} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
