import re

import pytest

from upwatch.domain.status_codes import StatusCodeRange, parse_status_ranges, status_accepted


@pytest.mark.parametrize(
    ("specs", "ranges"),
    [
        (["200"], [(200, 200)]),
        (["200-299"], [(200, 299)]),
        (["2xx"], [(200, 299)]),
        (["5XX"], [(500, 599)]),
        (["1xx"], [(100, 199)]),
        ([" 204 "], [(204, 204)]),
        (["100-599"], [(100, 599)]),
        (["301-301"], [(301, 301)]),
        (["2xx", "404", "500-503"], [(200, 299), (404, 404), (500, 503)]),
        ([], []),
    ],
)
def test_parse_status_ranges(specs: list[str], ranges: list[tuple[int, int]]) -> None:
    assert parse_status_ranges(specs) == tuple(StatusCodeRange(low, high) for low, high in ranges)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("abc", "'abc' is not a status code, range (200-299) or class (2xx)"),
        ("", "'' is not a status code, range (200-299) or class (2xx)"),
        ("20", "'20' is not a status code, range (200-299) or class (2xx)"),
        ("2000", "'2000' is not a status code, range (200-299) or class (2xx)"),
        ("6xx", "'6xx' is not a status code, range (200-299) or class (2xx)"),
        ("2xx-3xx", "'2xx-3xx' is not a status code, range (200-299) or class (2xx)"),
        ("200 - 299", "'200 - 299' is not a status code, range (200-299) or class (2xx)"),
        ("700", "'700' is not a range of status codes between 100 and 599"),
        ("099", "'099' is not a range of status codes between 100 and 599"),
        ("299-200", "'299-200' is not a range of status codes between 100 and 599"),
        ("500-600", "'500-600' is not a range of status codes between 100 and 599"),
    ],
)
def test_malformed_status_ranges_are_refused(spec: str, error: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(error)):
        parse_status_ranges(["200", spec])


@pytest.mark.parametrize(
    ("code", "accepted"),
    [
        (199, False),
        (200, True),
        (250, True),
        (299, True),
        (300, False),
        (404, True),
        (405, False),
        (502, True),
        (504, False),
    ],
)
def test_status_accepted(code: int, accepted: bool) -> None:
    ranges = parse_status_ranges(["2xx", "404", "500-503"])

    assert status_accepted(code, ranges) is accepted


def test_nothing_is_accepted_by_no_ranges() -> None:
    assert status_accepted(200, ()) is False


def test_a_range_holds_only_integers() -> None:
    assert "200" not in StatusCodeRange(200, 299)
    assert 200.0 not in StatusCodeRange(200, 299)
