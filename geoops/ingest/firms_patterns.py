"""One regular expression per FIRMS file layout that a well-formed line matches whole.

Matching a line once is far cheaper than checking each field: only lines that fail it go
through the field-by-field checks that name the reason (``sql/firms_parse.sql``).
"""

from __future__ import annotations

import re

NUMBER = r"[-+]?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})([eE][-+]?\d{1,2})?"
FIELD_PATTERNS: dict[str, str] = {
    "latitude": NUMBER,
    "longitude": NUMBER,
    "acq_date": r"[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",
    "acq_time": r"([0-5]?\d|\d[0-5]\d|([01]\d|2[0-3]):?[0-5]\d)",
    "satellite": r"[^{sep}]{1,32}",
    "instrument": r"[^{sep}]{0,16}",
    "version": r"[^{sep}]{0,16}",
    "confidence": r"(|\d{1,2}(\.\d+)?|100(\.0+)?|[lnh]|low|nominal|high)",
    "frp": f"({NUMBER})?",
    "brightness": f"({NUMBER})?",
    "brightness_2": f"({NUMBER})?",
    "scan": f"({NUMBER})?",
    "track": f"({NUMBER})?",
    "daynight": r"[^{sep}]*",
    "type": r"[0-3]?",
}


def well_formed_line(columns: dict[str, int], width: int, delimiter: str) -> str:
    """A case-insensitive POSIX regex for a line whose every field is well formed."""
    sep = re.escape(delimiter) if delimiter != "\x1f" else "\\x1f"
    by_position = {position: name for name, position in columns.items()}
    fields = [
        " *" + FIELD_PATTERNS.get(by_position.get(i, ""), "[^{sep}]*").replace("{sep}", sep) + " *"
        for i in range(1, width + 1)
    ]
    return "^" + sep.join(fields) + "$"
