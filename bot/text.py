"""Text from outside, made safe to keep: control characters removed where it enters the core.

A NUL byte fails a PostgreSQL statement, ANSI and OSC escape sequences would drive a terminal that shows
a console chat or an export, and lone surrogates cannot be encoded at all. Tabs and line breaks stay.
"""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# An escape sequence whose ESC was sent: drop the whole sequence, not just the ESC (CSI ... final byte; OSC ... BEL/ST).
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def clean(text: str) -> str:
    return _UNWANTED.sub("", _ESCAPES.sub("", text))
