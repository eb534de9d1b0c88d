"""python -m tools.load [--users 50] [--seconds 60]: see tools/load/__init__.py."""

import argparse
import csv
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import environ
import psycopg

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PAGES = ["dashboard", "scorecard", "dossier", "report preview", "commune PDF", "dossier list"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument(
        "--database",
        default=os.environ.get("LOAD_DATABASE_URL", "postgres://ntm:ntm-ci-password@127.0.0.1:5432/ntm_load"),
        help="a PostgreSQL database that may be dropped and created again",
    )
    args = parser.parse_args()
    # SIGTERM (a CI time-out) ends the run through the same `finally` as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="ntm-load-") as work:
        work = Path(work)
        env = server_environment(args, work)
        gunicorn = None
        recreate_database(args.database)
        try:
            prepare(env)
            gunicorn = start_gunicorn(args, env, work)
            status = run_locust(args, env, work)
            print_table(work / "load_stats.csv", users=args.users, seconds=args.seconds)
            return status
        finally:
            if gunicorn is not None:
                stop(gunicorn)
            drop_database(args.database)


def server_environment(args, work: Path) -> dict:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database,
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
        "NTM_LOAD_USERS": str(args.users),
        "NTM_LOAD_SESSIONS": str(work / "sessions.json"),
    }


def _maintenance(url: str):
    db = environ.Env.db_url_config(url)
    return (
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"],
            dbname="postgres",
            autocommit=True,
        ),
        db["NAME"],
    )


def recreate_database(url: str) -> None:
    connection, name = _maintenance(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    connection, name = _maintenance(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env) -> None:
    print("Preparing the demo district in a throwaway database…", flush=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_criteria", "--all")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(
        env, "shell", "--no-imports", "-c", "from tools.load.sessions import write_sessions; write_sessions()"
    )


def start_gunicorn(args, env, work: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "ntm.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "120",
    ]
    log = open(work / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # As from the HTTPS proxy: else the site redirects plain HTTP to https://.
            probe = urllib.request.Request(
                f"http://127.0.0.1:{args.port}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    print(f"gunicorn answers on 127.0.0.1:{args.port} ({args.workers} workers).", flush=True)
                    return process
        except OSError:
            time.sleep(0.5)
        if process.poll() is not None:
            break
    stop(process)
    raise SystemExit(f"gunicorn did not start:\n{(work / 'gunicorn.log').read_text()}")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn's master and workers (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    print("gunicorn stopped.", flush=True)


def run_locust(args, env, work: Path) -> int:
    print(f"{args.users} users for {args.seconds} s…", flush=True)
    command = [
        str(BIN / "locust"),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(max(1, args.users // 5)),
        "--run-time",
        f"{args.seconds}s",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--csv",
        str(work / "load"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
    return result.returncode


def print_table(stats: Path, *, users: int, seconds: int) -> None:
    rows = {row["Name"]: row for row in csv.DictReader(stats.open())}
    print(f"\nLoad: {users} users, {seconds} s, PostgreSQL, gunicorn, DEBUG off. Times in ms.")
    header = f"{'page':<16}{'requests':>10}{'errors':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
    print(header)
    print("-" * len(header))
    for name in [*(p for p in PAGES if p in rows), "Aggregated"]:
        row = rows.get(name)
        if row is None:
            continue
        label = "all" if name == "Aggregated" else name
        print(
            f"{label:<16}{row['Request Count']:>10}{row['Failure Count']:>8}"
            f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
        )
    failures = stats.with_name("load_failures.csv")
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            print(f"error: {row['Name']}: {row['Error']} ({row['Occurrences']}×)")


if __name__ == "__main__":
    sys.exit(main())
