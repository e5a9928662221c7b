"""Personal data: validating ID numbers (GB 11643-1999) and mobiles, and masking them for display and logs."""

import re
from datetime import date

from chassis import clock

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def normalize_id_number(text: str) -> str:
    return (text or "").strip().upper()


def is_valid_id_number(text: str) -> bool:
    """18 characters, a real birth date in characters 7-14, and the right check character."""
    id_number = normalize_id_number(text)
    if not _ID_SHAPE.match(id_number):
        return False
    try:
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return False
    if birth.year < 1900 or birth > clock.today():
        return False
    return id_check_char(id_number[:17]) == id_number[17]


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_valid_mobile(text: str) -> bool:
    return bool(MOBILE_PATTERN.match((text or "").strip()))


def mask_id_number(id_number: str) -> str:
    """640105********3219: the first 6 and the last 4 characters."""
    if not id_number or len(id_number) < 10:
        return "*" * len(id_number or "")
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_mobile(mobile: str) -> str:
    """138****5678: the first 3 and the last 4 digits."""
    if not mobile or len(mobile) < 7:
        return "*" * len(mobile or "")
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


def mask_name(name: str) -> str:
    """张*, 欧**: the first character only (a verifier compares it with the paper in front of them)."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


def mask_bank_card(card: str) -> str:
    """Only the last 4 digits."""
    if not card:
        return ""
    return "*" * max(len(card) - 4, 0) + card[-4:]


_ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    """Mask any ID number or mobile that slipped into free text (a log line, an error message)."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)
