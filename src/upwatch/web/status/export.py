"""A status page as a static site: index.html, status.json and its stylesheet, linked relatively,
so that it can be served from a bucket (S3 + CloudFront) and stays up when Upwatch does not."""

import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.errors import NotFoundError
from upwatch.services.status_pages import find_by_slug
from upwatch.services.status_summary import StatusSummary, build_summary
from upwatch.web.status.render import STYLESHEET, render_html, render_json, stylesheet

ASSETS = "assets"


async def summary_for_export(*, session: AsyncSession, slug: str, now: datetime) -> StatusSummary:
    """Private pages too: whoever runs the export decides where the files go."""
    page = await find_by_slug(session=session, slug=slug, public_only=False)
    if page is None:
        raise NotFoundError(f"there is no status page with the slug {slug!r}")
    return await build_summary(session=session, page=page, now=now)


def check_writable(directory: Path) -> None:
    """Create ``directory`` if need be and prove a file can be made in it; raises ``OSError``."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory):
        pass


def write_site(summary: StatusSummary, directory: Path) -> list[Path]:
    """Write the files (each replaced whole, so a sync running meanwhile never copies half of
    one) and return their paths, relative to ``directory``. Raises ``OSError``."""
    files = {
        Path("index.html"): render_html(
            summary, stylesheet_href=f"{ASSETS}/{STYLESHEET}", json_href="status.json"
        ).encode(),
        Path("status.json"): render_json(summary),
        Path(ASSETS) / STYLESHEET: stylesheet(),
    }
    for relative, content in files.items():
        _replace(directory / relative, content)
    return list(files)


def _replace(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
