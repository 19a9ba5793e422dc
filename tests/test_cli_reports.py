"""`upwatch rollup`, `upwatch prune` and `upwatch report sla` as users run them."""

import json
from pathlib import Path

from tests.test_cli import run

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
    assert "monitor: no monitor with id 7" in unknown.stderr
