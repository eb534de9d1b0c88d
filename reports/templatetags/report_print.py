"""Filters the printed reports share."""

from django import template

from ..content import criteria_label

register = template.Library()


@register.filter
def unmet_criteria(standing) -> str:
    """ "2, 11, 13, 17*, (5)": see content.criteria_label."""
    return criteria_label(standing)
