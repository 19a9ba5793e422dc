"""Container health check for every role of the one Upwatch image.

Roles that serve HTTP (`upwatch api`, `upwatch serve`) are healthy when /health answers 200.
The others (scheduler, worker, jobs) serve nothing: their process running is their health,
and the orchestrator restarts them when it exits.
"""

import os
import sys
import urllib.request

HTTP_ROLES = {"api", "serve"}


def role() -> str:
    try:
        with open("/proc/1/cmdline", "rb") as f:
            args = [a.decode() for a in f.read().split(b"\0") if a]
    except OSError:
        return ""
    for i, arg in enumerate(args):
        if os.path.basename(arg) == "upwatch" and i + 1 < len(args):
            return args[i + 1]
    return ""


def main() -> int:
    if role() not in HTTP_ROLES:
        return 0
    port = os.environ.get("UPWATCH_PORT", "8000")
    url = f"http://127.0.0.1:{port}/health"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (fixed loopback URL)
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
