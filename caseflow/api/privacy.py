"""No resident ID number (居民身份证号码) leaves the API unmasked.

Case data carries no ID-number fields yet (they arrive encrypted with the subsidy claims, see
DOMAIN.md §5, with a logged reveal action); until then, and as a safety net afterwards, every
text the API answers with — case data, supplement items and answers, comments, changes and
details of events, notes, file names — is scanned for 18-character numbers that *are* ID numbers
(a real date of birth and the GB 11643 check character), and those are masked with
``caseflow.pii.mask_id_number`` (``510104********123X``). Other long numbers pass untouched.
"""

from __future__ import annotations

import re
from datetime import date

from caseflow.pii import mask_id_number

CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def is_id_number(text: str) -> bool:
    """An 18-character resident ID number: birth date and check character (GB 11643-1999)."""
    if len(text) != 18 or not CANDIDATE.fullmatch(text):
        return False
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if born.year < 1900:
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], WEIGHTS, strict=True))
    return CHECK[total % 11] == text[17].upper()


def _mask(match: re.Match) -> str:
    found = match.group(0)
    return mask_id_number(found) if is_id_number(found) else found


def scrub(value):
    """``value`` (text, or lists and maps of them) with every ID number masked."""
    if isinstance(value, str):
        return CANDIDATE.sub(_mask, value) if len(value) >= 18 else value
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value
