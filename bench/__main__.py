"""``python -m bench [--quick] [--only NAME ...]``: run benchmarks, append to docs/benchmarks.md."""

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import alert_fanout, peers, ping_intake, probe_engine, reads, scale, storage
from bench.lib.machine import machine, versions
from bench.lib.proc import REPO
from bench.lib.report import Section
from bench.options import Options

BENCHMARKS: dict[str, Callable[[Options], Section]] = {
    module.NAME: module.run_benchmark
    for module in (probe_engine, scale, ping_intake, reads, storage, alert_fanout, peers)
}
RESULTS = REPO / "docs" / "benchmarks.md"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Everything small: a few minutes.")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHMARKS),
        help="Run this benchmark (repeatable).",
    )
    parser.add_argument("--healthchecks", type=Path, help="A healthchecks.io checkout to compare.")
    parser.add_argument(
        "--uptime-kuma", type=Path, help="An Uptime Kuma install (npm or git) to compare."
    )
    parser.add_argument(
        "--scale-setup",
        action="append",
        default=[],
        choices=["serve-sqlite", "serve-postgresql", "fleet-postgresql"],
        help="Scale: run only this setup (repeatable).",
    )
    parser.add_argument(
        "--scale-size",
        action="append",
        default=[],
        type=int,
        help="Scale: run only this many monitors (repeatable).",
    )
    parser.add_argument(
        "--scale-mix",
        choices=["standard", "tcp"],
        default="standard",
        help="Scale: the monitors' kinds (standard: 80 %% HTTP, 20 %% TCP).",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"Markdown file to append to ({RESULTS})."
    )
    parser.add_argument("--no-record", action="store_true", help="Print only; append nothing.")
    return parser.parse_args()


def main() -> int:
    arguments = _arguments()
    options = Options(
        quick=arguments.quick,
        healthchecks=arguments.healthchecks,
        uptime_kuma=arguments.uptime_kuma,
        scale_setups=tuple(arguments.scale_setup),
        scale_sizes=tuple(arguments.scale_size),
        scale_mix=arguments.scale_mix,
    )
    names = arguments.only or list(BENCHMARKS)
    host, started = machine(), datetime.now(UTC)
    header = [
        f"## {started:%Y-%m-%d %H:%M} UTC — {'quick' if options.quick else 'full'} run "
        f"({', '.join(names)})",
        "",
        f"Machine: {host.markdown()}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        "",
    ]
    print("\n".join(header), flush=True)
    sections = []
    failed = False
    for name in names:
        began = time.monotonic()
        print(f"--- {name} ...", file=sys.stderr, flush=True)
        try:
            section = BENCHMARKS[name](options)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            section = Section(name, error=f"{type(exc).__name__}: {exc}")
        section.method.append(f"Took {time.monotonic() - began:.0f} s.")
        print(section.markdown(), flush=True)
        sections.append(section)
    if not arguments.no_record:
        with arguments.output.open("a") as results:
            results.write(
                "\n" + "\n".join(header) + "\n" + "\n".join(s.markdown() for s in sections)
            )
        print(f"appended to {arguments.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
