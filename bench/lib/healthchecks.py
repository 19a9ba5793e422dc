"""healthchecks.io installed elsewhere, run here under gunicorn on SQLite or PostgreSQL.

The checkout carries its own virtualenv (with gunicorn in it); the harness migrates a database of
its own, creates the checks through Django's ORM and pings them at /ping/<uuid>, as cron jobs do.
"""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench.lib.proc import Processes, free_port, run, wait_http

CREATE_CHECKS = (
    "from hc.accounts.models import Project; from django.contrib.auth.models import User; "
    "from hc.api.models import Check; "
    "user = User.objects.get_or_create(username='bench', email='bench@example.org')[0]; "
    "project = Project.objects.get_or_create(owner=user, name='bench')[0]; "
    "[print(Check.objects.create(project=project, name=f'job-{{n}}').code) "
    "for n in range({count})]"
)
PERSISTENT_CONNECTION_SECONDS = 600
COUNT_PINGS = "from hc.api.models import Ping; print(Ping.objects.count())"
_RELEASE = re.compile(r"^## (v[\w.-]+)", re.MULTILINE)


def healthchecks_python(path: Path) -> Path | None:
    """The checkout's own interpreter: ``.venv`` or ``venv`` beside ``manage.py``."""
    if not (path / "manage.py").exists():
        return None
    candidates = (path / ".venv" / "bin" / "python", path / "venv" / "bin" / "python")
    return next((python for python in candidates if python.exists()), None)


def healthchecks_version(path: Path) -> str:
    """The newest version its CHANGELOG names (between releases, the next one with "-dev")."""
    changelog = path / "CHANGELOG.md"
    found = _RELEASE.search(changelog.read_text()) if changelog.exists() else None
    return found[1] if found else "of unknown version"


class Healthchecks:
    """One healthchecks.io site: its settings come from the environment, as in its Docker image."""

    def __init__(self, path: Path, python: Path, work: Path, database_url: str | None) -> None:
        self._path = path
        self._python = python
        self.env = {
            "DEBUG": "False",
            "SECRET_KEY": "bench",
            "ALLOWED_HOSTS": "*",
            "SITE_ROOT": "http://127.0.0.1",
            "PATH": "/usr/bin:/bin",
        }
        if database_url is None:
            self.env |= {"DB": "sqlite", "DB_NAME": str(work / "hc.sqlite")}
        else:
            parts = urlsplit(database_url)
            self.env |= {
                "DB": "postgres",
                "DB_HOST": parts.hostname or "127.0.0.1",
                "DB_PORT": str(parts.port or 5432),
                "DB_NAME": parts.path.lstrip("/"),
                "DB_USER": unquote(parts.username or "postgres"),
                "DB_PASSWORD": unquote(parts.password or ""),
                # Its default (0) opens a connection per request, and PostgreSQL forks a
                # backend for each: kept open, as an operator tuning it would.
                "DB_CONN_MAX_AGE": str(PERSISTENT_CONNECTION_SECONDS),
            }

    def manage(self, *arguments: str) -> str:
        return run([str(self._python), str(self._path / "manage.py"), *arguments], env=self.env)

    def create_checks(self, count: int) -> list[str]:
        """Migrate its database and create ``count`` checks in one project; their ping codes."""
        self.manage("migrate", "--noinput")
        return self.manage("shell", "-c", CREATE_CHECKS.format(count=count)).split()

    def stored_pings(self) -> int:
        return int(self.manage("shell", "-c", COUNT_PINGS).strip())

    def start(self, processes: Processes, name: str, workers: int, code: str) -> str:
        """gunicorn with ``workers`` sync workers on a free port; its base URL once it answers a
        ping of ``code``."""
        port = free_port()
        processes.start(
            name,
            [
                str(self._python),
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "hc.wsgi:application",
            ],
            env=self.env,
            cwd=self._path,
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/ping/{code}", processes=processes)
        return base
