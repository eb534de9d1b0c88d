"""Charts drawn on the server as SVG: no JavaScript, no network, and the same
picture in the preview page and in the PDF.

WeasyPrint does not apply the page's CSS to text inside an SVG, so the font is
set on the <svg> element itself; without it the labels would fall back to a
font that may lack Vietnamese diacritics.
"""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from criteria.standing import band_of
from ntm.lib.text import fold

FONT_FAMILY = "Tinos, 'Liberation Serif', 'DejaVu Serif', serif"
# Beyond this many communes a chart is split, so names stay legible on A4.
COMMUNES_PER_CHART = 40

# The bands of DistrictSummary.bands, darkest for all criteria met; they differ in
# lightness too, so a black-and-white printer keeps them apart. Each with the colour
# of the number written inside its bars.
BAND_COLOURS = ("#1f6f43", "#6fa882", "#e0b04a", "#b42318")
LABEL_COLOURS = dict(zip(BAND_COLOURS, ("#fff", "#fff", "#111", "#fff"), strict=True))
NOT_ASSESSED = "#8a958f"

WIDTH = 1000
LEFT, RIGHT, TOP = 44, 12, 26
PLOT_HEIGHT = 190
LABEL_SPACE = 104


def criteria_met_charts(rows, *, criteria_total: int, average: float) -> list[SafeString]:
    """Bar charts of criteria met per commune, most advanced first, in chunks of
    at most COMMUNES_PER_CHART communes of about equal size."""
    ordered = sorted(
        rows,
        key=lambda r: (not r.standing.assessed, -r.standing.criteria_met, fold(r.commune.name)),
    )
    if not ordered:
        return []
    chunks = -(-len(ordered) // COMMUNES_PER_CHART)
    size = -(-len(ordered) // chunks)
    return [
        _bar_chart(ordered[start : start + size], criteria_total=criteria_total, average=average)
        for start in range(0, len(ordered), size)
    ]


def _bar_chart(rows, *, criteria_total: int, average: float) -> SafeString:
    total = max(criteria_total, 1)
    plot_width = WIDTH - LEFT - RIGHT
    height = TOP + PLOT_HEIGHT + LABEL_SPACE
    baseline = TOP + PLOT_HEIGHT
    step = plot_width / max(len(rows), 1)
    bar_width = min(step * 0.68, 36)

    def y(value: float) -> float:
        return baseline - PLOT_HEIGHT * value / total

    label = escape(_("Số tiêu chí đạt của từng xã"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="{FONT_FAMILY}" font-size="12" '
        f'role="img" aria-label="{label}">',
        f"<title>{label}</title>",
    ]
    # Grid lines every 5 criteria, and at the total.
    ticks = sorted({*range(0, total + 1, 5), total})
    for tick in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{"#555" if tick == 0 else "#d0d0d0"}" stroke-width="{1 if tick == 0 else 0.6}"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#333">{tick}</text>'
        )
    if average:
        # Behind the bars, so it never crosses a number; its label sits above the plot.
        # Rounded as the summary table rounds it (number_format would cut 17,29 to 17,2).
        average_label = _("- - - bình quân %(average)s tiêu chí/xã") % {"average": floatformat(average, 1)}
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(average):.1f}" y2="{y(average):.1f}" '
            f'stroke="#1a1a1a" stroke-width="1" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT}" y="{TOP - 10}" text-anchor="end" fill="#1a1a1a">'
            f"{escape(average_label)}"
            f"</text>"
        )
    for index, row in enumerate(rows):
        standing = row.standing
        centre = LEFT + step * (index + 0.5)
        name = escape(row.commune.name)
        if standing.assessed:
            met = standing.criteria_met
            top = y(met)
            colour = BAND_COLOURS[band_of(met, total)]
            # The number inside the bar's top when the bar is tall enough, else above it.
            inside = baseline - top >= 18
            parts.append(
                f'<rect x="{centre - bar_width / 2:.1f}" y="{top:.1f}" width="{bar_width:.1f}" '
                f'height="{baseline - top:.1f}" fill="{colour}">'
                f"<title>{name}: {met}/{total}</title></rect>"
                f'<text x="{centre:.1f}" y="{top + 13 if inside else top - 4:.1f}" text-anchor="middle" '
                f'font-weight="bold" fill="{LABEL_COLOURS[colour] if inside else "#111"}">{met}</text>'
            )
            name_attributes = 'fill="#111"'
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{baseline - 4:.1f}" text-anchor="middle" '
                f'fill="{NOT_ASSESSED}">–</text>'
            )
            name_attributes = f'fill="{NOT_ASSESSED}" font-style="italic"'
        parts.append(
            f'<text transform="translate({centre + 4:.1f} {baseline + 10}) rotate(-50)" '
            f'text-anchor="end" {name_attributes}>{name}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
