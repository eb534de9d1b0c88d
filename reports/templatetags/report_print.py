"""Filters the printed reports share."""

from django import template

from ..content import criteria_label, value_against_target

register = template.Library()


@register.filter
def unmet_criteria(standing) -> str:
    """ "2, 11, 13, 17*, (5)": see content.criteria_label."""
    return criteria_label(standing)


@register.filter
def against_target(result) -> str:
    """ "81,4 % / 100 %": see content.value_against_target."""
    return value_against_target(result)
