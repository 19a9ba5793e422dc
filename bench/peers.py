"""Peers side by side: healthchecks.io under the same ping load, Uptime Kuma under the same
monitor load as Upwatch's `serve`.

Their code stays out of this repository: the harness takes a path to a peer installed elsewhere
(``--healthchecks PATH``, ``--uptime-kuma PATH``) and skips the comparison without one.
"""

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.lib.monitors import Kind, first_slots, insert_monitors, schedule_monitors
from bench.lib.proc import Processes, free_port, run, wait_http
from bench.lib.report import Figure, Section, table
from bench.lib.results import results_in_window
from bench.lib.sampling import Role, Sampler
from bench.lib.services import migrate, sqlite_url, start_serve, upwatch_env
from bench.lib.targets import start_nginx
from bench.lib.uptime_kuma import UptimeKuma, kuma_version, server_script
from bench.lib.wrk import wrk
from bench.options import Options
from bench.ping_intake import CONNECTIONS, THREADS, ping_script

NAME = "peers"
# The monitor load both run: HTTP checks of one local nginx page. 20 s is Kuma's shortest
# interval; its monitors start 0.3 to 1 s apart, so 600 take 6 to 7 minutes to be up.
KUMA_MONITORS, KUMA_MONITORS_QUICK = 600, 200
KUMA_INTERVAL = 20
CHECK_TIMEOUT = 10
# A check of a local page is stored well within this after it started (both batch their writes).
STORED_WITHIN_SECONDS = 5
CREATE_CHECKS = (
    "from hc.accounts.models import Project; from django.contrib.auth.models import User; "
    "from hc.api.models import Check; "
    "user = User.objects.get_or_create(username='bench', email='bench@example.org')[0]; "
    "project = Project.objects.get_or_create(owner=user, name='bench')[0]; "
    "[print(Check.objects.create(project=project, name=f'job-{n}').code) for n in range({count})]"
)


def _healthchecks(path: Path, seconds: int, section: Section) -> None:
    """gunicorn (1 worker, as its docs start it) on SQLite; the same wrk ping load as Upwatch's."""
    python = next(
        (p for p in (path / ".venv/bin/python", path / "venv/bin/python") if p.exists()), None
    )
    if python is None:
        section.skipped.append(f"healthchecks.io: no .venv/bin/python or venv/bin/python in {path}")
        return
    with (
        tempfile.TemporaryDirectory(prefix="upwatch-bench-hc-") as tmp,
        Processes(Path(tmp)) as procs,
    ):
        env = {
            "DB": "sqlite",
            "DB_NAME": str(Path(tmp) / "hc.sqlite"),
            "DEBUG": "False",
            "SECRET_KEY": "bench",
            "ALLOWED_HOSTS": "*",
            "SITE_ROOT": "http://127.0.0.1",
            "PATH": "/usr/bin:/bin",
        }
        manage = [str(python), str(path / "manage.py")]
        run([*manage, "migrate", "--noinput"], env=env)
        codes = run([*manage, "shell", "-c", CREATE_CHECKS.format(count=100)], env=env).split()
        port = free_port()
        procs.start(
            "healthchecks",
            [
                str(python),
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "hc.wsgi:application",
            ],
            env=env,
            cwd=path,
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/ping/{codes[0]}", processes=procs)
        script = ping_script(Path(tmp) / "ping.lua", codes)
        role = Role("healthchecks", root=procs.children["healthchecks"].pid)
        sampler = Sampler([role]).start()
        result = wrk(
            f"{base}/", seconds=seconds, connections=CONNECTIONS, threads=THREADS, script=script
        )
        sampler.stop()
    cpu_ms = role.cpu_used() / max(result.ok, 1) * 1000
    section.figures += [
        Figure(
            "healthchecks.io pings/s (gunicorn, 1 worker)", result.requests_per_second, "pings/s"
        ),
        Figure("healthchecks.io CPU per ping", cpu_ms, "ms"),
    ]
    section.method.append(
        "healthchecks.io: gunicorn with 1 worker on SQLite, 100 checks, the same wrk script and "
        "settings as the Upwatch ping-intake run; compare its CPU per ping with Upwatch's there."
    )


def run_benchmark(options: Options) -> Section:
    section = Section("Peers side by side")
    seconds = 10 if options.quick else 30
    if options.healthchecks is None:
        section.skipped.append("healthchecks.io: no --healthchecks PATH given")
    else:
        _healthchecks(options.healthchecks, seconds, section)
    if options.uptime_kuma is None:
        section.skipped.append("Uptime Kuma: no --uptime-kuma PATH given")
    elif options.quick:
        _uptime_kuma(options.uptime_kuma, KUMA_MONITORS_QUICK, 40, section)
    else:
        _uptime_kuma(options.uptime_kuma, KUMA_MONITORS, 120, section)
    return section


def _uptime_kuma(path: Path, monitors: int, seconds: int, section: Section) -> None:
    """Kuma and Upwatch's `serve`, one after the other, checking the same page as often: CPU
    per check, from each process's CPU over a window and the checks each stored in it."""
    root = server_script(path)
    if root is None:
        section.skipped.append(f"Uptime Kuma: no server/server.js in {path}")
        return
    with (
        tempfile.TemporaryDirectory(prefix="upwatch-bench-kuma-") as tmp,
        Processes(Path(tmp)) as procs,
    ):
        work = Path(tmp)
        nginx = start_nginx(procs, work, workers=1)
        kuma = UptimeKuma(procs, root, work / "kuma")
        kuma.start()
        kuma.add_monitors(monitors, nginx.url, KUMA_INTERVAL, CHECK_TIMEOUT)
        # Every monitor reports once per start delay (up to 1 s each), then runs an interval.
        kuma.wait_all_reporting(monitors, timeout=monitors * 1.2 + 60)
        kuma_role = Role("uptime-kuma", root=procs.children["uptime-kuma"].pid)
        start, end = _window(kuma_role, seconds, procs)
        kuma_checks = kuma.heartbeats(start, end)
        kuma.stop()
        upwatch_role, upwatch_checks = _upwatch_serve_checks(
            procs, work, nginx.url, monitors, seconds
        )
    rows = []
    per_check = {}
    for name, role, outcomes in (
        ("Uptime Kuma", kuma_role, kuma_checks),
        ("Upwatch serve (SQLite)", upwatch_role, upwatch_checks),
    ):
        checks = sum(outcomes.values())
        per_check[name] = role.cpu_used() / max(checks, 1) * 1000
        rows.append(
            [
                name,
                f"{checks / seconds:,.1f} / {monitors / KUMA_INTERVAL:,.1f}",
                f"{per_check[name]:.3f}",
                f"{role.cpu_used() / seconds:.3f}",
                ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())),
            ]
        )
    section.figures.append(
        Figure(
            "Uptime Kuma CPU per HTTP check",
            per_check["Uptime Kuma"],
            "ms",
            per_check["Upwatch serve (SQLite)"],
            "Upwatch serve, same monitors",
        )
    )
    section.tables.append(
        table(
            ["monitoring", "checks/s stored / due", "CPU ms per check", "CPU cores", "outcomes"],
            rows,
        )
    )
    section.method.append(
        f"Uptime Kuma {kuma_version(root)} at {root}: {monitors:,} HTTP monitors of one nginx "
        f"page every {KUMA_INTERVAL} s (timeout {CHECK_TIMEOUT} s, no retries) on SQLite, "
        "created through its socket.io API (one, then copied in its database while it is "
        f"stopped); measured once every monitor had reported, over {seconds} s. Then Upwatch's "
        "`serve` on SQLite with the same monitors, measured over the same length once each had "
        "run. CPU per check = the process tree's CPU in the window ÷ the checks it stored in "
        "the window (Kuma's heartbeats, Upwatch's results); the ratio is Kuma's over Upwatch's."
    )


def _window(role: Role, seconds: int, procs: Processes) -> tuple[datetime, datetime]:
    """``role``'s CPU over ``seconds`` from now; returns once the window's checks are stored."""
    sampler = Sampler([role]).start()
    start = datetime.now(UTC)
    procs.sleep_until(start + timedelta(seconds=seconds))
    sampler.stop()
    end = datetime.now(UTC)
    time.sleep(STORED_WITHIN_SECONDS)
    return start, end


def _upwatch_serve_checks(
    procs: Processes, work: Path, url: str, monitors: int, seconds: int
) -> tuple[Role, dict[str, int]]:
    upwatch = work / "upwatch"
    upwatch.mkdir()
    env = upwatch_env(upwatch)
    migrate(env)
    database = sqlite_url(upwatch)
    config = {"kind": "http", "url": url, "interval": KUMA_INTERVAL, "timeout": CHECK_TIMEOUT}
    asyncio.run(insert_monitors(database, monitors, [Kind(1, config)]))
    start_serve(procs, env)
    first_due = datetime.now(UTC) + timedelta(seconds=5)
    asyncio.run(schedule_monitors(database, monitors, first_slots(KUMA_INTERVAL, first_due)))
    # The window opens once every monitor has run once.
    procs.sleep_until(first_due + timedelta(seconds=KUMA_INTERVAL))
    role = Role("serve", root=procs.children["serve"].pid)
    start, end = _window(role, seconds, procs)
    found = asyncio.run(results_in_window(database, start, end))
    procs.stop("serve")
    return role, found.outcomes
