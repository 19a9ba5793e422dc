"""Reading wrk's report, as the benchmark harness does."""

import re

import pytest
from bench.lib.wrk import parse

# A real report, with the first thread line's "+/- Stdev" changed to end in "99%", as it did in
# the run that made the harness misread the distribution.
REPORT = """Running 1s test @ http://127.0.0.1:59735/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    50.93us   51.20us   1.64ms   98.99%
    Req/Sec    82.19k    17.16k  156.73k    95.24%
  Latency Distribution
     50%   49.00us
     75%   52.00us
     90%   54.00us
     99%    1.20m
  171425 requests in 1.10s, 49.70MB read
  Non-2xx or 3xx responses: 12
Requests/sec: 155868.12
Transfer/sec:     45.19MB
"""


def test_the_distribution_is_read_from_its_own_lines() -> None:
    result = parse(REPORT)
    assert result.p50_ms == pytest.approx(0.049)
    assert result.p99_ms == pytest.approx(72_000)
    assert (result.requests, result.seconds, result.non_2xx) == (171_425, 1.10, 12)
    assert result.requests_per_second == pytest.approx(155_868.12)


def test_a_latency_it_cannot_read_is_named() -> None:
    with pytest.raises(ValueError, match=re.escape("'1.2h'")):
        parse(REPORT.replace("1.20m", "1.2h"))
