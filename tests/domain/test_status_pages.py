import pytest
from pydantic import ValidationError

from upwatch.domain.status import MonitorStatus as S
from upwatch.domain.status_pages import PageState, StatusPageSpec, page_state


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ([], PageState.UNKNOWN),
        ([S.PENDING, S.PAUSED], PageState.UNKNOWN),
        ([S.UP, S.UP, S.PAUSED], PageState.OPERATIONAL),
        ([S.UP, S.DEGRADED], PageState.DEGRADED),
        ([S.UP, S.MAINTENANCE], PageState.MAINTENANCE),
        ([S.DEGRADED, S.MAINTENANCE], PageState.DEGRADED),
        ([S.UP, S.DOWN, S.DEGRADED], PageState.PARTIAL_OUTAGE),
        ([S.DOWN, S.DOWN, S.PENDING], PageState.MAJOR_OUTAGE),
        ([S.UP, S.DEPENDENCY_DOWN], PageState.PARTIAL_OUTAGE),
        ([S.DOWN, S.DEPENDENCY_DOWN], PageState.MAJOR_OUTAGE),
    ],
)
def test_the_page_state_follows_its_monitors(statuses: list[S], state: PageState) -> None:
    assert page_state(statuses) is state


@pytest.mark.parametrize("slug", ["a", "acme", "acme-prod-2", "0", "x" * 64])
def test_good_slugs(slug: str) -> None:
    assert StatusPageSpec(slug=slug, title="t").slug == slug


@pytest.mark.parametrize("slug", ["", "Acme", "-acme", "acme-", "ac me", "a.json", "x" * 65, "é"])
def test_bad_slugs(slug: str) -> None:
    with pytest.raises(ValidationError) as caught:
        StatusPageSpec(slug=slug, title="t")
    assert caught.value.errors()[0]["loc"] == ("slug",)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Status.Example.COM", "status.example.com"), ("status.example.com.", "status.example.com")],
)
def test_domains_are_stored_in_lower_case_without_the_root_dot(given: str, stored: str) -> None:
    assert StatusPageSpec(slug="a", title="t", custom_domain=given).custom_domain == stored


@pytest.mark.parametrize(
    "domain",
    ["localhost", "https://status.example.com", "status.example.com:8443", "a..b", "1.2.3.4"],
)
def test_bad_domains(domain: str) -> None:
    with pytest.raises(ValidationError):
        StatusPageSpec(slug="a", title="t", custom_domain=domain)


def test_components_carry_the_path_that_names_them_in_errors() -> None:
    flat = StatusPageSpec.model_validate(
        {"slug": "a", "title": "t", "monitors": [3, {"monitor_id": 4, "display_name": " DB "}]}
    )
    ((position, name, placed),) = flat.placed_components()
    assert (position, name) == (0, "")
    assert [(path, c.monitor_id, c.display_name) for path, c in placed] == [
        ("monitors[0]", 3, None),
        ("monitors[1]", 4, "DB"),
    ]
    grouped = StatusPageSpec.model_validate(
        {"slug": "a", "title": "t", "groups": [{"name": "A"}, {"name": "B", "monitors": [5]}]}
    )
    assert [(p, n, [path for path, _ in c]) for p, n, c in grouped.placed_components()] == [
        (0, "A", []),
        (1, "B", ["groups[1].monitors[0]"]),
    ]
    assert StatusPageSpec(slug="a", title="t").placed_components() == []


def test_monitors_and_groups_do_not_mix() -> None:
    with pytest.raises(ValidationError, match="either monitors or groups"):
        StatusPageSpec.model_validate({"slug": "a", "title": "t", "monitors": [], "groups": []})
