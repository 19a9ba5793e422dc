"""Flat badges in the shields.io style: a grey label, a coloured message, widths from the font.

Text is measured with the advance widths of Verdana at 11 px (the font badges are drawn in), so
that the boxes fit the text without a browser; each text also carries ``textLength`` so that a
fallback font is squeezed or stretched to the same width.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

# Advance widths of Verdana 11 px for printable ASCII, from the space (32) to the tilde (126).
_VERDANA_11 = (
    3.87,
    4.33,
    5.05,
    9.0,
    7.0,
    11.84,
    7.99,
    2.95,
    5.0,
    5.0,
    7.0,
    9.0,
    4.0,
    5.0,
    4.0,
    5.0,
    7.0,
    7.0,
    7.0,
    7.0,
    7.0,
    7.0,
    7.0,
    7.0,
    7.0,
    7.0,
    5.0,
    5.0,
    9.0,
    9.0,
    9.0,
    6.0,
    11.0,
    7.52,
    7.54,
    7.68,
    8.48,
    6.96,
    6.32,
    8.53,
    8.27,
    4.63,
    5.0,
    7.62,
    6.12,
    9.27,
    8.23,
    8.66,
    6.63,
    8.66,
    7.65,
    7.52,
    6.78,
    8.05,
    7.52,
    10.88,
    7.54,
    6.77,
    7.54,
    5.0,
    5.0,
    5.0,
    9.0,
    7.0,
    7.0,
    6.61,
    6.85,
    5.73,
    6.85,
    6.55,
    3.87,
    6.85,
    6.96,
    3.02,
    3.79,
    6.51,
    3.02,
    10.7,
    6.96,
    6.68,
    6.85,
    6.85,
    4.69,
    5.73,
    4.33,
    6.96,
    6.51,
    9.0,
    6.51,
    6.51,
    5.78,
    6.98,
    5.0,
    6.98,
    9.0,
)
# Wide enough for most other characters (accented letters, CJK is wider still).
_OTHER_WIDTH = 8.0
_PADDING = 6
HEIGHT = 20

GREEN = "#4c1"
YELLOW_GREEN = "#a4a61d"
YELLOW = "#dfb317"
ORANGE = "#fe7d37"
RED = "#e05d44"
BLUE = "#007ec6"
GREY = "#9f9f9f"


def text_width(text: str) -> float:
    return sum(_VERDANA_11[ord(ch) - 32] if 32 <= ord(ch) <= 126 else _OTHER_WIDTH for ch in text)


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    message: str
    colour: str

    def svg(self) -> str:
        label_text = round(text_width(self.label))
        message_text = round(text_width(self.message))
        left = label_text + 2 * _PADDING
        right = message_text + 2 * _PADDING
        width = left + right
        title = escape(f"{self.label}: {self.message}")
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
            f'role="img" aria-label="{title}">'
            f"<title>{title}</title>"
            '<linearGradient id="s" x2="0" y2="100%">'
            '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
            '<stop offset="1" stop-opacity=".1"/></linearGradient>'
            f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/>'
            "</clipPath>"
            '<g clip-path="url(#r)">'
            f'<rect width="{left}" height="{HEIGHT}" fill="#555"/>'
            f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill={quoteattr(self.colour)}/>'
            f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/></g>'
            '<g fill="#fff" text-anchor="middle" '
            'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
            'text-rendering="geometricPrecision" font-size="110">'
            f"{_text(self.label, left / 2, label_text)}"
            f"{_text(self.message, left + right / 2, message_text)}"
            "</g></svg>"
        )


def _text(text: str, centre: float, length: int) -> str:
    """Drawn at ten times the size and scaled down, as shields does, for crisper placement."""
    x = round(centre * 10)
    body = escape(text)
    return (
        f'<text aria-hidden="true" x="{x}" y="150" fill="#010101" fill-opacity=".3" '
        f'transform="scale(.1)" textLength="{length * 10}">{body}</text>'
        f'<text x="{x}" y="140" transform="scale(.1)" textLength="{length * 10}">{body}</text>'
    )


def uptime_colour(percent: float | None) -> str:
    if percent is None:
        return GREY
    for floor, colour in ((99.9, GREEN), (99.0, YELLOW_GREEN), (97.0, YELLOW), (95.0, ORANGE)):
        if percent >= floor:
            return colour
    return RED


def latency_colour(milliseconds: float | None) -> str:
    if milliseconds is None:
        return GREY
    for ceiling, colour in ((200, GREEN), (500, YELLOW_GREEN), (1000, YELLOW), (2000, ORANGE)):
        if milliseconds < ceiling:
            return colour
    return RED
