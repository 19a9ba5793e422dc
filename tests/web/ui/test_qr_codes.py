"""The two-factor QR code: inline SVG from the server, readable by a scanner."""

import re

from tests.web.ui.dashboard import Dashboard
from upwatch.services.accounts import Role
from upwatch.web.ui.qr_codes import qr_svg


def test_the_qr_code_is_an_accessible_inline_svg_without_styles_or_scripts() -> None:
    svg = str(qr_svg("otpauth://totp/Upwatch:a?secret=ABC", label="Key <for> a"))
    assert svg.startswith('<svg role="img" xmlns="http://www.w3.org/2000/svg"')
    assert "<title>Key &lt;for&gt; a</title>" in svg
    for forbidden in ("<script", "style=", "href", "<?xml"):
        assert forbidden not in svg


async def test_the_account_page_shows_the_key_as_a_qr_code(dashboard: Dashboard) -> None:
    await dashboard.add_user("ada", Role.VIEWER)
    await dashboard.sign_in("ada")
    page = (await dashboard.client.get("/settings")).text
    assert re.search(r'<figure class="qr" id="totp-qr"><svg role="img"', page)
    assert "QR code of the two-factor key" in page
