"""The dashboard grid's cells, built in one pass.

A province's grid has 150 × 19 cells; rendering each through the template
engine cost more than loading the data. The markup here is the same a template
would write, with every dynamic part escaped.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

from criteria.models import Score

register = template.Library()


@register.simple_tag
def grid_cells(row) -> str:
    labels = {status.value: escape(str(status.label)) for status in Score.Status}
    url = escape(row.url)
    criterion_word = escape(pgettext("one criterion", "Tiêu chí"))
    cells = []
    for result in row.standing.criteria:
        number, label = result.criterion.number, labels[result.status]
        cells.append(
            f'<td class="grid-cell cell-{result.status}">'
            f'<a href="{url}#criterion-{number}" title="{criterion_word} {number}: {label}">'
            f'<span class="visually-hidden">{label}</span></a></td>'
        )
    return mark_safe("".join(cells))
