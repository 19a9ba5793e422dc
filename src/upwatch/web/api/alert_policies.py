"""/api/v1/alert-policies/{tag}: alert defaults for every monitor carrying a tag."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response, status
from pydantic import Field

from upwatch.domain.policies import AlertSettings, ChannelId, TagPolicy
from upwatch.services import alert_policies
from upwatch.web.deps import ReadAccess, RuntimeDep, SessionDep, WriteAccess

router = APIRouter(prefix="/api/v1/alert-policies", tags=["notifications"])
Tag = Annotated[str, Path(min_length=1, max_length=64)]


class PolicyBody(AlertSettings):
    channels: list[ChannelId] = Field(default_factory=list)


def _document(policy: TagPolicy) -> dict[str, Any]:
    return {
        "tag": policy.tag,
        "channels": policy.channels,
        **policy.settings.model_dump(mode="json"),
    }


@router.put("/{tag}", dependencies=[WriteAccess])
async def put_policy(
    tag: Tag,
    body: Annotated[
        PolicyBody,
        Body(description='{"channels", "events", "renotify_minutes", "escalation"}'),
    ],
    runtime: RuntimeDep,
    session: SessionDep,
) -> dict[str, Any]:
    """Create or replace the defaults for monitors tagged ``tag``. A monitor's own settings win
    field by field; several tags merge (channels and events united, the shortest re-notify,
    all escalation steps)."""
    settings = AlertSettings.model_validate(body.model_dump(exclude={"channels"}))
    policy = TagPolicy(tag=tag, channels=body.channels, settings=settings)
    stored = await alert_policies.put_policy(session=session, policy=policy, now=runtime.clock())
    await session.commit()
    return _document(stored)


@router.get("", dependencies=[ReadAccess])
async def list_policies(session: SessionDep) -> dict[str, Any]:
    policies = await alert_policies.list_policies(session=session)
    return {"items": [_document(p) for p in policies], "total": len(policies)}


@router.get("/{tag}", dependencies=[ReadAccess])
async def get_policy(tag: Tag, session: SessionDep) -> dict[str, Any]:
    return _document(await alert_policies.get_policy(session=session, tag=tag))


@router.delete("/{tag}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WriteAccess])
async def delete_policy(tag: Tag, session: SessionDep) -> Response:
    await alert_policies.delete_policy(session=session, tag=tag)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
