"""Peers side by side: healthchecks.io under the same ping load; Uptime Kuma when given.

Their code stays out of this repository: the harness takes a path to a peer installed elsewhere
(``--healthchecks PATH``, ``--uptime-kuma PATH``) and skips the comparison without one.
"""

import tempfile
from pathlib import Path

from bench.lib.proc import Processes, free_port, run, wait_http
from bench.lib.report import Figure, Section
from bench.lib.sampling import Role, Sampler
from bench.lib.wrk import wrk
from bench.options import Options
from bench.ping_intake import CONNECTIONS, THREADS, ping_script

NAME = "peers"
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
    else:
        section.skipped.append(
            f"Uptime Kuma at {options.uptime_kuma}: not compared — creating its monitors needs its "
            "socket.io API, which this harness does not drive yet"
        )
    return section
