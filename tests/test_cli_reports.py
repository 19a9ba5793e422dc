"""`upwatch rollup`, `upwatch prune` and `upwatch report sla` as users run them."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import POSTGRES_ADMIN_URL, _postgres
from tests.test_cli import run
from upwatch.store.database import opened_sessions
from upwatch.store.tables import StatusPageComponentRow, StatusPageGroupRow, StatusPageRow

MONITOR = "monitors:\n  - name: API\n    kind: http\n    url: http://127.0.0.1:9/\n"


def test_rollup_and_prune_run_on_a_fresh_database(tmp_path: Path) -> None:
    rolled = run(tmp_path, "rollup")
    assert rolled.returncode == 0, rolled.stderr
    assert rolled.stdout.startswith("rolled up 0 hours")
    pruned = run(tmp_path, "prune", UPWATCH_RAW_RETENTION_DAYS="7")
    assert pruned.returncode == 0, pruned.stderr
    assert "0 rows deleted" in pruned.stdout


def test_prune_refuses_a_retention_it_cannot_count_back(tmp_path: Path) -> None:
    for setting in ("UPWATCH_RAW_RETENTION_DAYS", "UPWATCH_HOURLY_ROLLUP_RETENTION_DAYS"):
        for days in ("0", "999999"):
            pruned = run(tmp_path, "prune", **{setting: days})
            assert pruned.returncode == 2, (setting, days, pruned.stderr)
            assert pruned.stderr.startswith("error: invalid settings:")
            assert setting.removeprefix("UPWATCH_").lower() in pruned.stderr


def test_report_sla_as_json_and_csv(tmp_path: Path) -> None:
    source = tmp_path / "monitors.yaml"
    source.write_text(MONITOR)
    assert run(tmp_path, "monitors", "import", str(source)).returncode == 0

    as_json = run(tmp_path, "report", "sla", "--monitor", "1", "--month", "2026-10")
    as_csv = run(
        tmp_path, "report", "sla", "--monitor", "1", "--month", "2026-10", "--format", "csv"
    )

    assert as_json.returncode == 0, as_json.stderr
    (report,) = json.loads(as_json.stdout)
    assert (report["monitor"], report["incidents"]) == ("API", 0)
    assert as_csv.stdout.splitlines()[0].startswith("monitor_id,monitor,since")


def test_report_sla_refuses_a_bad_month_or_monitor(tmp_path: Path) -> None:
    bad_month = run(tmp_path, "report", "sla", "--monitor", "1", "--month", "10/2026")
    last_month = run(tmp_path, "report", "sla", "--monitor", "1", "--month", "9999-12")
    unknown = run(tmp_path, "report", "sla", "--monitor", "7", "--month", "2026-10")
    assert (bad_month.returncode, last_month.returncode, unknown.returncode) == (2, 2, 2)
    assert "--month: expected a month as YYYY-MM" in bad_month.stderr
    assert "--month: must be before 9999-12" in last_month.stderr
    assert "Traceback" not in last_month.stderr
    assert "--monitor: no monitor with id 7" in unknown.stderr


def _status_page(data_dir: Path, slug: str, monitor_ids: list[int]) -> None:
    async def create() -> None:
        url = f"sqlite+aiosqlite:///{data_dir / 'upwatch.db'}"
        now = datetime.now(UTC)
        async with opened_sessions(url, migrate=False) as sessions, sessions.begin() as session:
            page = StatusPageRow(slug=slug, title=slug, created_at=now, updated_at=now)
            session.add(page)
            await session.flush()
            group = StatusPageGroupRow(status_page_id=page.id, name="", position=0)
            session.add(group)
            await session.flush()
            for position, monitor_id in enumerate(monitor_ids):
                component = StatusPageComponentRow(
                    group_id=group.id, monitor_id=monitor_id, position=position
                )
                session.add(component)

    asyncio.run(create())


def test_report_sla_for_a_range_and_a_status_page(tmp_path: Path) -> None:
    source = tmp_path / "monitors.yaml"
    source.write_text(MONITOR + "  - name: Web\n    kind: tcp\n    host: 127.0.0.1\n    port: 9\n")
    assert run(tmp_path, "monitors", "import", str(source)).returncode == 0
    _status_page(tmp_path, "public", [2, 1])

    reported = run(
        tmp_path,
        "report",
        "sla",
        "--status-page",
        "public",
        "--since",
        "2026-10-01T00:00:00+05:30",
        "--until",
        "2026-10-08T00:00:00Z",
    )

    assert reported.returncode == 0, reported.stderr
    reports = json.loads(reported.stdout)
    assert [r["monitor"] for r in reports] == ["Web", "API"]  # the page's order
    assert reports[0]["since"] == "2026-09-30T18:30:00+00:00"  # counted in UTC


def test_report_sla_names_the_option_at_fault(tmp_path: Path) -> None:
    assert run(tmp_path, "rollup").returncode == 0  # a migrated, empty database
    _status_page(tmp_path, "empty", [])
    cases = {
        ("--monitor", "1", "--since", "yesterday", "--until", "2026-10-02T00:00:00Z"): (
            "--since: expected an ISO 8601 time"
        ),
        ("--monitor", "1", "--since", "2026-10-01T00:00:00", "--until", "2026-10-02T00:00:00Z"): (
            "--since: needs a time zone"
        ),
        ("--monitor", "1", "--since", "2026-10-02T00:00:00Z", "--until", "2026-10-01T00:00:00Z"): (
            "--until: must be after since"
        ),
        ("--monitor", "1", "--since", "2026-10-01T00:00:00Z"): "--until: give both",
        ("--monitor", "1", "--month", "2026-10", "--until", "2026-10-01T00:00:00Z"): (
            "--month: give either month or since and until"
        ),
        ("--month", "2026-10"): "--monitor: give at least one monitor or a status page",
        ("--status-page", "nope", "--month", "2026-10"): "--status-page: no status page 'nope'",
        ("--status-page", "empty", "--month", "2026-10"): "--status-page: 'empty' shows no",
    }
    for arguments, message in cases.items():
        refused = run(tmp_path, "report", "sla", *arguments)
        assert refused.returncode == 2, (arguments, refused.stdout)
        assert message in refused.stderr, (arguments, refused.stderr)
        assert "Traceback" not in refused.stderr


def test_prune_and_rollup_on_a_database_never_migrated_say_to_upgrade(tmp_path: Path) -> None:
    name = f"upwatch_bare_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))
    try:
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        for job in ("prune", "rollup"):
            refused = run(tmp_path, job, UPWATCH_DATABASE_URL=url)
            assert refused.returncode == 2, (job, refused.stdout)
            assert "run `upwatch db upgrade` first" in refused.stderr, (job, refused.stderr)
            assert "Traceback" not in refused.stderr
    finally:
        asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
