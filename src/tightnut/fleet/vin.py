"""Vehicle identification numbers (ISO 3779) and the North American check digit."""

from __future__ import annotations

import re

# Jurisdictions whose VINs carry a check digit in position 9 (49 CFR 565).
CHECK_DIGIT_JURISDICTIONS = frozenset({"US"})

_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]+$")
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_LETTER_VALUES = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9),
        strict=True,
    )
)


def check_digit(vin: str) -> str:
    """The check digit a 17-character VIN should carry in position 9."""
    total = sum(_value(char) * weight for char, weight in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _value(char: str) -> int:
    return int(char) if char.isdigit() else _LETTER_VALUES[char]


def vin_problem(vin: str, *, jurisdiction: str) -> str | None:
    """Why ``vin`` is not acceptable in ``jurisdiction``, or None when it is."""
    if not _VIN_CHARS.match(vin):
        return "a VIN has only digits and capital letters other than I, O and Q"
    if len(vin) != 17:
        return "a VIN has 17 characters"
    if jurisdiction in CHECK_DIGIT_JURISDICTIONS and vin[8] != check_digit(vin):
        return f"check digit is '{vin[8]}', expected '{check_digit(vin)}'"
    return None
