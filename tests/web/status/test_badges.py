import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from tests.web.status.conftest import Site
from tests.web.status.support import monitor_with_history, status_page
from upwatch.domain.status import Outcome
from upwatch.web.status.badge_svg import GREEN, RED, YELLOW_GREEN, text_width

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> tuple[list[str], ET.Element]:
    """The visible texts (each drawn twice, shadow first) and the root element."""
    root = ET.fromstring(svg)  # noqa: S314 - Upwatch's own output, parsed to check it is well-formed
    texts = [t.text or "" for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]
    return texts, root


def _fills(root: ET.Element) -> list[str]:
    return [r.get("fill", "") for r in root.iter(f"{SVG}rect")]


async def _public_monitors(site: Site) -> tuple[int, int]:
    """``web``: 40 checks in the last 10 hours, 1 down, 80 ms; ``db``: down now."""
    web = await monitor_with_history(
        site.sessions,
        name="web",
        outcomes=[Outcome.UP] * 20 + [Outcome.DOWN] + [Outcome.UP] * 19,
        start=NOW - timedelta(hours=10),
        latency_ms=80.0,
    )
    db = await monitor_with_history(
        site.sessions,
        name="db",
        outcomes=[Outcome.UP, Outcome.DOWN],
        start=NOW - timedelta(minutes=30),
        latency_ms=900.0,
    )
    await status_page(site.sessions, NOW, slug="acme", title="Acme", monitors=[web, db])
    return web, db


async def test_status_badges_say_the_current_status_in_its_colour(site: Site) -> None:
    web, db = await _public_monitors(site)

    answer = await site.client.get(f"/badge/{db}/status.svg")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["cache-control"] == "public, max-age=30"
    texts, root = _parse(answer.text)
    assert texts == ["status", "down"]
    assert RED in _fills(root)
    assert root.get("aria-label") == "status: down"

    up = _parse((await site.client.get(f"/badge/{web}/status.svg")).text)
    assert up[0] == ["status", "up"]
    assert GREEN in _fills(up[1])


async def test_uptime_and_latency_badges_over_a_period(site: Site) -> None:
    web, db = await _public_monitors(site)

    texts, root = _parse((await site.client.get(f"/badge/{web}/uptime.svg?period=24h")).text)
    assert texts == ["uptime 24h", "97.50%"]
    assert "#dfb317" in _fills(root)
    texts, _ = _parse((await site.client.get(f"/badge/{web}/uptime.svg")).text)
    assert texts == ["uptime 30d", "97.50%"]

    texts, root = _parse((await site.client.get(f"/badge/{web}/latency.svg")).text)
    assert texts[0] == "response time"
    assert texts[1].endswith(" ms")
    assert 79 <= float(texts[1].removesuffix(" ms")) <= 81
    assert GREEN in _fills(root)
    texts, root = _parse((await site.client.get(f"/badge/{db}/latency.svg?period=7d")).text)
    assert 890 <= float(texts[1].removesuffix(" ms")) <= 910
    assert YELLOW_GREEN not in _fills(root)

    labelled = (
        await site.client.get(f"/badge/{web}/uptime.svg", params={"label": "API <&> uptime"})
    ).text
    assert _parse(labelled)[0] == ["API <&> uptime", "97.50%"]


async def test_box_widths_follow_the_text(site: Site) -> None:
    web, _ = await _public_monitors(site)
    short = (await site.client.get(f"/badge/{web}/status.svg?label=s")).text
    long = (await site.client.get(f"/badge/{web}/status.svg?label=status of the website")).text
    short_root, long_root = _parse(short)[1], _parse(long)[1]
    grown = int(long_root.get("width", "0")) - int(short_root.get("width", "0"))
    assert grown == round(text_width("status of the website")) - round(text_width("s"))
    label_box = next(long_root.iter(f"{SVG}rect"))
    assert int(label_box.get("width", "0")) >= text_width("status of the website") + 10


async def test_badges_of_monitors_on_no_public_page_are_not_found(site: Site) -> None:
    await _public_monitors(site)
    hidden = await monitor_with_history(
        site.sessions, name="hidden", outcomes=[Outcome.UP], start=NOW
    )
    private = await monitor_with_history(
        site.sessions, name="private", outcomes=[Outcome.UP], start=NOW
    )
    await status_page(
        site.sessions, NOW, slug="internal", title="I", public=False, monitors=[private]
    )

    answers = [
        await site.client.get(f"/badge/{monitor}/{kind}.svg")
        for monitor in (hidden, private, 987654)
        for kind in ("status", "uptime", "latency")
    ]
    assert {(a.status_code, a.text) for a in answers} == {(404, "badge not found")}


@pytest.mark.parametrize("query", ["period=1y", "period=", "label="])
async def test_a_bad_query_is_refused(site: Site, query: str) -> None:
    web, _ = await _public_monitors(site)
    answer = await site.client.get(f"/badge/{web}/uptime.svg?{query}")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] in ("period", "label")


async def test_badges_are_cached_and_answer_304(site: Site) -> None:
    _, db = await _public_monitors(site)
    first = await site.client.get(f"/badge/{db}/status.svg")
    again = await site.client.get(
        f"/badge/{db}/status.svg", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert site.cache.badges.renders == 1
