"""Vietnamese text helpers."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case `text` and strip its diacritics, so "Dân Lý" and "dan ly" match.

    NFD splits "ệ" into "e" plus combining marks, which are dropped; "đ" has no
    decomposition and is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("đ", "d").replace("Đ", "D").lower().split())


def nfc(text: str) -> str:
    """`text` in Unicode NFC. A Mac writes "ệ" as "e" plus combining marks (NFD), Windows
    as one character: stored names are NFC, so both spellings are one name."""
    return unicodedata.normalize("NFC", text or "")
