"""What a PDF carries besides pages: scripts and attached files.

Evidence is scanned paper. A PDF with JavaScript, a launch action or files attached to
it is not what a commune sends, and a viewer that runs it is an attack surface: such a
file is accepted with a warning, and offered for download only, never shown in the page.

Every object of the file is looked at, the ones packed in compressed object streams
too, with names decoded (`/J#61vaScript` is `/JavaScript`): a search of the raw bytes
would miss both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

logger = logging.getLogger(__name__)

SCRIPT_KEYS = frozenset({"/JS", "/JavaScript"})
SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Launch"})
ATTACHMENT_KEYS = frozenset({"/EmbeddedFiles", "/EF"})


@dataclass(frozen=True)
class ActiveContent:
    scripts: bool
    attachments: bool


def active_content(stream) -> ActiveContent | None:
    """What the PDF in `stream` carries; None when it cannot be read (damaged, or
    encrypted with a password), which callers treat as "not checked"."""
    stream.seek(0)
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        scripts = attachments = False
        for obj in _objects(reader):
            for dictionary in _dictionaries(obj):
                keys = set(dictionary.keys())
                scripts = scripts or bool(keys & SCRIPT_KEYS) or dictionary.get("/S") in SCRIPT_ACTIONS
                attachments = (
                    attachments
                    or bool(keys & ATTACHMENT_KEYS)
                    or dictionary.get("/Type") == "/EmbeddedFile"
                    or dictionary.get("/Subtype") == "/FileAttachment"
                )
            if scripts and attachments:
                break
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError) as error:
        logger.info("PDF not readable for the active content check: %s", error)
        return None
    finally:
        stream.seek(0)
    return ActiveContent(scripts=scripts, attachments=attachments)


def _objects(reader: PdfReader):
    """Every indirect object of the file, those inside object streams included."""
    seen = set()
    for generation, numbers in reader.xref.items():
        for number in numbers:
            seen.add(number)
            yield reader.get_object(IndirectObject(number, generation, reader))
    for number in reader.xref_objStm:
        if number not in seen:
            yield reader.get_object(IndirectObject(number, 0, reader))
    yield reader.trailer


def _dictionaries(obj):
    """The dictionaries of one object, nested ones too."""
    pending = [obj]
    while pending:
        current = pending.pop()
        if isinstance(current, DictionaryObject):
            yield current
            children = current.values()
        elif isinstance(current, ArrayObject):
            children = current
        else:
            continue
        # An IndirectObject is neither: what it points to is visited as an object of its own.
        pending.extend(child for child in children if isinstance(child, DictionaryObject | ArrayObject))
