import socket

from tests.web.conftest import Api
from upwatch import __version__
from upwatch.store.database import create_engine, session_factory


async def test_health_says_who_answers(api: Api) -> None:
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "hostname": socket.gethostname(),
    }


async def test_ready_when_the_database_answers(api: Api) -> None:
    response = await api.client.get("/ready")
    assert (response.status_code, response.json()["database"]) == (200, "ok")


async def test_ready_is_503_when_the_database_is_unreachable_but_health_stays_200(
    api: Api,
) -> None:
    unreachable = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/upwatch")
    api.runtime.sessions = session_factory(unreachable)
    try:
        response = await api.client.get("/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert (await api.client.get("/health")).status_code == 200
    finally:
        await unreachable.dispose()


async def test_metrics_are_prometheus_text(api: Api) -> None:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    for name in (
        "upwatch_checks_total",
        "upwatch_scheduling_lateness_seconds_bucket",
        "upwatch_in_flight_probes",
        "upwatch_open_incidents 0.0",
    ):
        assert name in response.text


async def test_openapi_and_docs_are_served(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    assert "/api/v1/monitors" in spec["paths"]
    assert (await api.client.get("/docs")).status_code == 200
