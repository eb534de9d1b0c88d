"""The reports index's lists of links, built in one pass.

A province's index lists a page of communes and one report per group of the province
(a former district or a commune group each). Through the template engine every link
cost a URL reversal and a dozen variable lookups, so the page grew with the groups it
lists far more than the links weigh. The links here are those the template wrote, with
every dynamic part escaped (by the standard library's `escape`, which Django's wraps:
the same characters, without the wrapper's cost on every name).
"""

from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from ntm.lib.urls import PLAIN_CODE, url_of_code

register = template.Library()


@register.simple_tag
def commune_report_links(communes, query: str) -> str:
    """A commune's report and its PDF, for each commune, as list items."""
    preview, pdf = url_of_code("reports:commune"), url_of_code("reports:commune_pdf")
    query = escape(query)
    return mark_safe(
        "".join(
            f'<li><a href="{escape(preview(commune.code))}?{query}">{escape(commune.name)}</a>\n'
            f'  (<a href="{escape(pdf(commune.code))}?{query}" download>PDF</a>)</li>\n'
            for commune in communes
        )
    )


@register.simple_tag
def level_report_links(levels, parameter: str, query: str) -> str:
    """The report of each level (levels.py's (key, name)), narrowed by `?parameter=key`,
    and its PDF, as a list."""
    preview, pdf = escape(reverse("reports:district")), escape(reverse("reports:district_pdf"))
    query = escape(f"{query}&{parameter}=")
    items = []
    for key, name in levels:
        # As the template's `key|urlencode` wrote it: nothing left to escape.
        narrowed = f"{query}{key if PLAIN_CODE.fullmatch(key) else quote(key, safe='/')}"
        items.append(
            f'<li><a href="{preview}?{narrowed}">{escape(name)}</a>\n'
            f'  (<a href="{pdf}?{narrowed}" download>PDF</a>)</li>\n'
        )
    return mark_safe(f'<ul class="level-links">\n{"".join(items)}</ul>')
