"""The numbers of an evaluation table: kept as the learner wrote them, and judged against
their baseline in the direction that is better for that metric.

A metric's value is stored as text ("0.8600" stays 0.8600, not 0.86): a float forgets
trailing zeros and a fixed-scale decimal invents them, and the digits someone reports
say how precisely they measured.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation
from typing import Literal

HIGHER, LOWER = "higher", "lower"

# Names a metric is known by, each as words in lower case, and which way is better.
KNOWN_DIRECTIONS: dict[tuple[str, ...], str] = {
    ("accuracy",): HIGHER,
    ("f1",): HIGHER,
    ("auc",): HIGHER,
    ("precision",): HIGHER,
    ("recall",): HIGHER,
    ("r2",): HIGHER,
    ("rmse",): LOWER,
    ("mae",): LOWER,
    ("mse",): LOWER,
    ("loss",): LOWER,
    ("log", "loss"): LOWER,
    ("logloss",): LOWER,
    ("perplexity",): LOWER,
    ("error",): LOWER,
    ("latency",): LOWER,
}
KNOWN_HIGHER = "accuracy, F1, AUC, precision, recall and R²"  # as the form's help says it
KNOWN_LOWER = "RMSE, MAE, MSE, loss, log loss, perplexity, error and latency"

_WORD = re.compile(r"[a-z0-9]+")


def direction_by_name(name: str) -> str:
    """Which way is better, "higher" or "lower", if `name` holds a known metric's name as
    words ("F1 (macro)", "RMSE (log)", "val loss", "R²"); "" if none or both ways match."""
    text = name.lower().replace("²", "2").replace("-", " ")
    words = _WORD.findall(text)
    found = set()
    for known, direction in KNOWN_DIRECTIONS.items():
        size = len(known)
        if any(tuple(words[i : i + size]) == known for i in range(len(words) - size + 1)):
            found.add(direction)
    return found.pop() if len(found) == 1 else ""


# -- numbers as written ---------------------------------------------------------------------

NUMBER_COLUMN_CHARS = 40  # as stored; what is typed may be longer ("+000.5", "5e-1")
MAX_TYPED_CHARS = 60
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,4})?")
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-"})  # the minus sign, an en dash


class NotANumber(ValueError):
    """Text that is not a number a metric may hold; the message says why, in words that
    follow the field's name ("is not a number like 0.86")."""


MALFORMED = "is not a number like 0.86"


def parse_number(text: str) -> str:
    """The number in `text` as it is stored: its digits as written, tidied ("+.50" is
    "0.50", "1e-3" is "0.001"; a tiny or huge one keeps an exponent, "1.5E-9"), at most
    NUMBER_COLUMN_CHARS long. Raises NotANumber for anything else: only finite decimal
    numbers in ASCII digits (Python's Decimal would take "NaN", "1_000" and
    Arabic-Indic digits). Parsing what it returns gives the same text back."""
    text = text.strip().translate(_MINUSES)
    if len(text) > MAX_TYPED_CHARS or not _NUMBER.fullmatch(text):
        raise NotANumber(MALFORMED)
    number = Decimal(text)
    if number.is_zero():
        number = abs(number)  # one zero: not "-0.0"
    if not -999 <= number.adjusted() <= 999:
        raise NotANumber("is too large or too small (at most 999 digits either side of the point)")
    stored = str(number)
    if len(stored) > NUMBER_COLUMN_CHARS:
        raise NotANumber(f"has too many digits (at most {NUMBER_COLUMN_CHARS} characters)")
    return stored


def as_decimal(text: str) -> Decimal | None:
    """A stored number as a Decimal; None for an empty baseline (or, defensively, for
    text that is no number)."""
    try:
        number = Decimal(text) if text else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


# Exact for any two numbers the form accepts (at most ~30 digits each, exponents of
# three digits would need more, and are rounded to 40 significant digits).
_EXACT = Context(prec=40)


Judgement = Literal["better", "worse", "same", ""]


def change(value: str, baseline: str, direction: str) -> tuple[Decimal, Judgement] | None:
    """value − baseline, and whether that is better, worse or the same given the
    direction ("" when the direction is not known); None without a baseline."""
    a, b = as_decimal(value), as_decimal(baseline)
    if a is None or b is None:
        return None
    delta = _EXACT.subtract(a, b)
    if delta.is_zero():
        return abs(delta), "same"
    if direction not in (HIGHER, LOWER):
        return delta, ""
    improved = (delta > 0) == (direction == HIGHER)
    return delta, "better" if improved else "worse"


def signed(number: Decimal) -> str:
    """A difference as people write it: +0.066, −0.0610 (a real minus sign), 0."""
    if number.is_zero():
        return str(abs(number))
    return ("+" if number > 0 else "\u2212") + str(abs(number))


def number_from_float(number: float) -> str:
    """A number that was kept as a float (before version 2 of the export format, and in
    the database before migration 0012), as text: the shortest digits that give the
    same float back, a whole number without ".0"."""
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return parse_number(repr(number))
