from datetime import UTC, datetime

from sqlalchemy import func, select

from tests.web.conftest import Api
from tests.web.status.support import monitor_with_history
from upwatch.domain.status import Outcome
from upwatch.store.tables import StatusPageComponentRow, StatusPageGroupRow, StatusPageRow

START = datetime(2026, 11, 20, tzinfo=UTC)
URL = "/api/v1/status-pages"


async def _monitors(api: Api, *names: str) -> list[int]:
    return [
        await monitor_with_history(
            api.runtime.sessions, name=name, outcomes=[Outcome.UP], start=START
        )
        for name in names
    ]


async def _stored(api: Api) -> tuple[int, int, int]:
    """How many pages, groups and components the database holds."""
    async with api.runtime.sessions() as session:
        pages, groups, components = [
            int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (StatusPageRow, StatusPageGroupRow, StatusPageComponentRow)
        ]
    return pages, groups, components


async def test_a_page_of_monitors_is_created_read_and_listed(api: Api) -> None:
    headers = await api.token()
    web, db = await _monitors(api, "web", "db")

    created = await api.client.post(
        URL, json={"slug": "acme", "title": "Acme", "monitors": [web, db]}, headers=headers
    )
    assert created.status_code == 201, created.text
    page = created.json()
    assert page["url"] == "https://upwatch.example/status/acme"
    assert page["public"] is True
    assert page["custom_domain"] is None
    assert page["groups"] == [
        {
            "name": "",
            "monitors": [
                {"monitor_id": web, "display_name": None},
                {"monitor_id": db, "display_name": None},
            ],
        }
    ]
    one = await api.client.get(f"{URL}/{page['id']}", headers=headers)
    assert one.json() == page
    listing = (await api.client.get(URL, headers=headers)).json()
    assert (listing["total"], listing["items"]) == (1, [page])


async def test_groups_keep_their_order_and_display_names(api: Api) -> None:
    headers = await api.token()
    web, db, queue = await _monitors(api, "web", "db", "queue")
    body = {
        "slug": "acme",
        "title": "Acme",
        "description": "Everything Acme runs",
        "custom_domain": "Status.Acme.Example",
        "groups": [
            {
                "name": "Backend",
                "monitors": [{"monitor_id": db, "display_name": "Database"}, queue],
            },
            {"name": "Website", "monitors": [web]},
        ],
    }
    page = (await api.client.post(URL, json=body, headers=headers)).json()
    assert page["custom_domain"] == "status.acme.example"
    assert [g["name"] for g in page["groups"]] == ["Backend", "Website"]
    assert page["groups"][0]["monitors"] == [
        {"monitor_id": db, "display_name": "Database"},
        {"monitor_id": queue, "display_name": None},
    ]


async def test_bad_input_names_the_field_and_stores_nothing(api: Api) -> None:
    headers = await api.token()
    web, db = await _monitors(api, "web", "db")
    taken = {"slug": "taken", "title": "T", "custom_domain": "status.taken.example"}
    assert (await api.client.post(URL, json=taken, headers=headers)).status_code == 201
    before = await _stored(api)

    cases = [
        ({"slug": "Not A Slug", "title": "x"}, "slug"),
        ({"slug": "ok", "title": ""}, "title"),
        ({"slug": "ok", "title": "x", "monitors": [web, db, 999]}, "monitors[2]"),
        (
            {"slug": "ok", "title": "x", "groups": [{"name": "a"}, {"monitors": [web, 998]}]},
            "groups[1].monitors[1]",
        ),
        ({"slug": "ok", "title": "x", "monitors": [web, web]}, "monitors[1]"),
        ({"slug": "ok", "title": "x", "monitors": [web], "groups": []}, "body"),
        ({"slug": "ok", "title": "x", "custom_domain": "not a domain"}, "custom_domain"),
        ({"slug": "taken", "title": "x", "monitors": [web]}, "slug"),
        ({"slug": "ok", "title": "x", "custom_domain": "STATUS.taken.example"}, "custom_domain"),
    ]
    for body, field in cases:
        answer = await api.client.post(URL, json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.text)
        assert field in [p["field"] for p in answer.json()["detail"]], (body, answer.json())
    assert await _stored(api) == before


async def test_put_replaces_and_patch_changes_only_what_it_names(api: Api) -> None:
    headers = await api.token()
    web, db = await _monitors(api, "web", "db")
    page = (
        await api.client.post(
            URL, json={"slug": "acme", "title": "Acme", "monitors": [web]}, headers=headers
        )
    ).json()
    url = f"{URL}/{page['id']}"

    replaced = await api.client.put(
        url,
        json={"slug": "acme", "title": "Acme Inc", "groups": [{"name": "All", "monitors": [db]}]},
        headers=headers,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["groups"] == [
        {"name": "All", "monitors": [{"monitor_id": db, "display_name": None}]}
    ]

    renamed = (await api.client.patch(url, json={"title": "Acme Corp"}, headers=headers)).json()
    assert renamed["title"] == "Acme Corp"
    assert renamed["groups"] == replaced.json()["groups"]

    flat = (await api.client.patch(url, json={"monitors": [web, db]}, headers=headers)).json()
    assert [m["monitor_id"] for m in flat["groups"][0]["monitors"]] == [web, db]

    refused = await api.client.patch(url, json={"monitors": [12345]}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "monitors[0]"
    assert (await api.client.get(url, headers=headers)).json() == flat


async def test_delete_and_the_monitors_that_go_away(api: Api) -> None:
    headers = await api.token()
    web, db = await _monitors(api, "web", "db")
    page = (
        await api.client.post(
            URL, json={"slug": "acme", "title": "Acme", "monitors": [web, db]}, headers=headers
        )
    ).json()
    url = f"{URL}/{page['id']}"

    await api.client.delete(f"/api/v1/monitors/{web}", headers=headers)
    left = (await api.client.get(url, headers=headers)).json()["groups"][0]["monitors"]
    assert [m["monitor_id"] for m in left] == [db]

    assert (await api.client.delete(url, headers=headers)).status_code == 204
    assert (await api.client.get(url, headers=headers)).status_code == 404
    assert (await api.client.delete(url, headers=headers)).status_code == 404
    assert await _stored(api) == (0, 0, 0)


async def test_changes_need_a_read_write_token(api: Api) -> None:
    body = {"slug": "acme", "title": "Acme"}
    assert (await api.client.post(URL, json=body)).status_code == 401
    reader = await api.token(read_only=True)
    assert (await api.client.post(URL, json=body, headers=reader)).status_code == 403
    assert (await api.client.get(URL, headers=reader)).status_code == 200
