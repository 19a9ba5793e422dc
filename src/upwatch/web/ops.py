"""Operations endpoints: liveness, readiness and Prometheus metrics."""

import asyncio
import socket

import structlog
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from upwatch import __version__
from upwatch.engine.backlog import measure_backlog
from upwatch.metrics import OPEN_INCIDENTS
from upwatch.services.reports import count_open_incidents
from upwatch.web.deps import RuntimeDep

router = APIRouter(tags=["operations"])
log = structlog.get_logger(__name__)
READY_TIMEOUT = 3.0


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers. Never touches the database."""
    return {"status": "ok", "version": __version__, "hostname": socket.gethostname()}


@router.get("/ready")
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """Readiness: the database answers; 503 otherwise, so a load balancer stops routing here."""
    try:
        await asyncio.wait_for(_ping_database(runtime), READY_TIMEOUT)
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "database": "ok"})


async def _ping_database(runtime: RuntimeDep) -> None:
    async with runtime.sessions() as session:
        await session.execute(text("SELECT 1"))


@router.get("/metrics")
async def metrics(runtime: RuntimeDep) -> Response:
    try:
        async with runtime.sessions() as session:
            OPEN_INCIDENTS.set(await count_open_incidents(session=session))
    except Exception:
        log.warning("open incidents not counted: database unreachable")
    if runtime.celery is not None:
        try:
            await asyncio.wait_for(asyncio.to_thread(measure_backlog, runtime.celery), 5)
        except Exception:
            log.warning("queue backlog not measured: broker unreachable")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
