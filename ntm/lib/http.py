from django.http import Http404


def int_or_404(value) -> int:
    """An id from a query string or form; anything else is a page that does not exist."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
