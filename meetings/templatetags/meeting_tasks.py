"""Tasks where other apps' pages need them, without those apps importing meetings:
the home page's "Việc của tôi" and the "Giao việc" links of the scorecard and of a
dossier item sent back."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..access import can_assign
from ..selectors import tasks_for_home

register = template.Library()


@register.inclusion_tag("meetings/_my_tasks.html", takes_context=True)
def my_tasks(context):
    return {"home_tasks": tasks_for_home(context["request"].user)}


@register.simple_tag(takes_context=True)
def assign_task_link(context, commune, indicator=None, item=None):
    """A small "Giao việc" link for the coordinators over `commune`; nothing for anyone else."""
    if not can_assign(context["request"].user, commune):
        return ""
    if item is not None:
        params = {"item": item.pk}
    else:
        params = {"commune": commune.code, **({"indicator": indicator.pk} if indicator is not None else {})}
    url = f"{reverse('meetings:task_create')}?{urlencode(params)}"
    return format_html('<a class="assign-link no-print" href="{}">{}</a>', url, _("Giao việc"))
