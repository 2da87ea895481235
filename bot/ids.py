"""Record numbers typed or carried in buttons, parsed in one place.

`str.isdigit` accepts "²" (which `int` refuses) and any length (which the database's integers refuse), so
every number a person or a platform sends goes through `parse_id`: ASCII digits, an optional leading "#",
from 1 to the largest id a 32-bit database column holds. Anything else is simply not a number.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1
_ID = re.compile(r"#?\s*([0-9]{1,10})")


def parse_id(text: str | None) -> int | None:
    m = _ID.fullmatch((text or "").strip())
    if m is None:
        return None
    number = int(m.group(1))
    return number if 1 <= number <= MAX_ID else None
