"""Status pages: what a page is made of, and the one state a whole page shows."""

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from upwatch.domain.status import MonitorStatus

# Lower-case letters, digits and inner hyphens: safe in a URL path and an S3 key, and free of
# dots, so that /status/{slug}.json is never ambiguous.
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
# A DNS host name of two or more labels, without a port or a trailing dot.
DOMAIN_PATTERN = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$"


def _slug(value: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise ValueError(
            "use 1 to 64 lower-case letters, digits and hyphens, starting and ending with a "
            "letter or digit"
        )
    return value


def _domain(value: str) -> str:
    value = value.lower().removesuffix(".")
    if len(value) > 253 or not re.fullmatch(DOMAIN_PATTERN, value):
        raise ValueError("give a host name such as status.example.com, without scheme or port")
    return value


Slug = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_slug)]
Domain = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_domain)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComponentSpec(_Strict):
    """A monitor on the page; given as its id alone, or with the name the public sees."""

    monitor_id: int = Field(ge=1)
    display_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None

    @model_validator(mode="before")
    @classmethod
    def _from_bare_id(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"monitor_id": value}
        return value


class GroupSpec(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    monitors: list[ComponentSpec] = Field(default_factory=list, max_length=500)


class StatusPageSpec(_Strict):
    """A page as the API takes it: either a flat list of ``monitors`` or ``groups`` of them."""

    slug: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    custom_domain: Domain | None = Field(
        None, description="A host name that shows this page at `/` (point its DNS at Upwatch)."
    )
    public: bool = Field(True, description="Shown without login; badges need a public page.")
    monitors: list[ComponentSpec] | None = Field(None, max_length=500)
    groups: list[GroupSpec] | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _one_layout(self) -> Self:
        if self.monitors is not None and self.groups is not None:
            raise ValueError("give either monitors or groups, not both")
        return self

    def placed_components(self) -> list[tuple[int, str, list[tuple[str, ComponentSpec]]]]:
        """Each group with its position and name, and each component with the input path that
        names it in errors (``monitors[2]`` or ``groups[0].monitors[2]``)."""
        if self.groups is None:
            flat = [(f"monitors[{i}]", c) for i, c in enumerate(self.monitors or [])]
            return [(0, "", flat)] if flat else []
        return [
            (
                g,
                group.name,
                [(f"groups[{g}].monitors[{i}]", c) for i, c in enumerate(group.monitors)],
            )
            for g, group in enumerate(self.groups)
        ]


class PageState(StrEnum):
    """What a page says at the top, from the states of the monitors on it."""

    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"


# Pending and paused monitors say nothing about the service, so they do not sway the page.
_SILENT = frozenset({MonitorStatus.PENDING, MonitorStatus.PAUSED})
_DOWN = frozenset({MonitorStatus.DOWN, MonitorStatus.DEPENDENCY_DOWN})


def page_state(statuses: Iterable[MonitorStatus]) -> PageState:
    telling = [status for status in statuses if status not in _SILENT]
    if not telling:
        return PageState.UNKNOWN
    # Behind a down dependency the component is just as unavailable to its users.
    down = sum(status in _DOWN for status in telling)
    if down == len(telling):
        return PageState.MAJOR_OUTAGE
    if down:
        return PageState.PARTIAL_OUTAGE
    if MonitorStatus.DEGRADED in telling:
        return PageState.DEGRADED
    if MonitorStatus.MAINTENANCE in telling:
        return PageState.MAINTENANCE
    return PageState.OPERATIONAL
