"""One URL per code, at the cost of one reversal for a whole list."""

import re
from collections.abc import Callable

from django.urls import reverse

# A code or key that a URL carries as it is: nothing to quote, no separator.
PLAIN_CODE = re.compile(r"[A-Za-z0-9_.\-]+")
MARKER = "code-marker"


def url_of_code(name: str) -> Callable[[str], str]:
    """`reverse(name, args=[code])` at the cost of one reversal for every plain code;
    any other code is reversed on its own. A province's lists link every commune, and a
    reversal each cost more than the rest of the line."""
    url = reverse(name, args=[MARKER])
    if url.count(MARKER) != 1:
        return lambda code: reverse(name, args=[code])
    head, _marker, tail = url.partition(MARKER)
    return lambda code: f"{head}{code}{tail}" if PLAIN_CODE.fullmatch(code) else reverse(name, args=[code])
