"""The template helpers that are not Django's own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import dateformat, timezone

from tracker.templating import date


@pytest.mark.parametrize("month", range(1, 13))
def test_the_written_out_date_reads_as_djangos_format(month: int) -> None:
    day = dt.date(2026, month, 1 + month)
    assert date(day) == dateformat.format(day, "j M Y")
    moment = dt.datetime(2026, month, 28, 23, 30, tzinfo=dt.UTC)
    assert date(moment) == dateformat.format(timezone.localtime(moment), "j M Y")
    assert date(moment, "c") == dateformat.format(timezone.localtime(moment), "c")


def test_no_date_is_an_empty_string() -> None:
    assert date(None) == ""
