"""`{{ indicator|owner:ownership }}`: the department that owns an indicator (or a
criterion) where the page's commune is, from criteria.owners; None when unassigned."""

from django import template

from criteria.models import Criterion

register = template.Library()


@register.filter
def owner(obj, ownership):
    if ownership is None:
        return None
    if isinstance(obj, Criterion):
        return ownership.of_criterion(obj)
    return ownership.of_indicator(obj)
