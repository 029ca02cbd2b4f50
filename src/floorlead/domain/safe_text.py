"""Text from outside (a feed, a webhook, a file) made safe to store and to show.

A name carrying ``ESC]0;…BEL`` or ``ESC[2J`` would retitle or clear the supervisor's terminal,
and a cell starting with ``=`` runs as a formula in the spreadsheet a payroll file is opened
in. Feed text is cleaned once, before it is stored (:func:`clean_event`); every place text
leaves floorlead escapes again for its medium (terminal, log, CSV, Markdown), so rows stored
before this existed are safe too.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import TypeVar

#: C0 and C1 controls, DEL, the bidirectional overrides and isolates that make text read
#: differently from what it is ("Trojan Source"), and lone surrogates (no file can hold them)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SPACES = str.maketrans({"\t": " ", "\n": " ", "\r": " "})

T = TypeVar("T")


def clean(text: str) -> str:
    """Tabs and line ends become spaces; every other control character is dropped."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub("", text.translate(_SPACES))


_FIELDS: dict[type, tuple[str, ...]] = {}


def clean_event(event: T) -> T:
    """The event with every text field cleaned (the same object when nothing needed it).
    On every event a feed sends, so it looks before it copies."""
    names = _FIELDS.get(type(event))
    if names is None:
        names = _FIELDS[type(event)] = tuple(f.name for f in fields(event))  # type: ignore[arg-type]
    changes: dict[str, object] = {}
    for name in names:
        value = getattr(event, name)
        if isinstance(value, str) and _UNSAFE.search(value):
            changes[name] = clean(value)
        elif isinstance(value, tuple) and any(
            isinstance(v, str) and _UNSAFE.search(v) for v in value
        ):
            changes[name] = tuple(clean(v) if isinstance(v, str) else v for v in value)
    return replace(event, **changes) if changes else event  # type: ignore[type-var]


def csv_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: one leading ``'`` where it would start a
    formula (``=``, ``+``, ``-``, ``@``, tab or carriage return: the OWASP advice), control
    characters dropped. A number stays a number."""
    try:
        float(text)
    except ValueError:
        pass
    else:
        return text
    cleaned = clean(text)
    formula = cleaned.lstrip().startswith(("=", "+", "-", "@")) or text.startswith(("\t", "\r"))
    return "'" + cleaned if formula else cleaned


#: what turns text into emphasis, code, links, images or table cells (escaping the brackets
#: and ``!`` is enough to stop every link and image)
_MARKDOWN = re.compile(r"([\\`*_\[\]#!|~])")
_HTML = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def markdown(text: str) -> str:
    """Inline Markdown that shows the text as written: no raw HTML, links, images or
    emphasis come from it."""
    return _MARKDOWN.sub(r"\\\1", clean(text).translate(_HTML))
