"""Metric values and baselines become text, so a number keeps the digits it was written
with (0.8600 stays 0.8600); each metric may say whether higher or lower is better.

Existing floats become the shortest text that reads back as the same float (0.86, not
0.85999999999999999), a whole number without ".0"; a missing baseline becomes "".
"""

from decimal import Decimal
from typing import Any

from django.db import migrations, models

import tracker.portfolio.models


def _text(number: float | None) -> str:
    # A copy of tracker.portfolio.metrics.number_from_float as it was when this was written.
    if number is None:
        return ""
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    text = str(Decimal(repr(number)))
    return "0" if Decimal(text).is_zero() else text


def floats_to_text(apps: Any, schema_editor: Any) -> None:
    Metric = apps.get_model("tracker", "Metric")
    rows = list(Metric.objects.only("value", "baseline", "value_text", "baseline_text"))
    for row in rows:
        row.value_text = _text(row.value)
        row.baseline_text = _text(row.baseline)
    Metric.objects.bulk_update(rows, ["value_text", "baseline_text"], batch_size=500)


def text_to_floats(apps: Any, schema_editor: Any) -> None:
    Metric = apps.get_model("tracker", "Metric")
    rows = list(Metric.objects.only("value", "baseline", "value_text", "baseline_text"))
    for row in rows:
        row.value = float(row.value_text)
        row.baseline = float(row.baseline_text) if row.baseline_text else None
    Metric.objects.bulk_update(rows, ["value", "baseline"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0011_event_kinds_and_known_before"),
    ]

    operations = [
        # Nullable while it goes, so that going back can add it again before filling it.
        migrations.AlterField(
            model_name="metric", name="value", field=models.FloatField(null=True)
        ),
        migrations.AddField(
            model_name="metric",
            name="value_text",
            field=models.CharField(default="0", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="metric",
            name="baseline_text",
            field=models.CharField(blank=True, default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(floats_to_text, text_to_floats, elidable=False),
        migrations.RemoveField(model_name="metric", name="value"),
        migrations.RemoveField(model_name="metric", name="baseline"),
        migrations.RenameField(model_name="metric", old_name="value_text", new_name="value"),
        migrations.RenameField(model_name="metric", old_name="baseline_text", new_name="baseline"),
        migrations.AlterField(
            model_name="metric",
            name="value",
            field=models.CharField(
                max_length=40, validators=[tracker.portfolio.models.validate_number_text]
            ),
        ),
        migrations.AlterField(
            model_name="metric",
            name="baseline",
            field=models.CharField(
                blank=True,
                max_length=40,
                validators=[tracker.portfolio.models.validate_number_text],
            ),
        ),
        migrations.AddField(
            model_name="metric",
            name="better",
            field=models.CharField(
                blank=True,
                choices=[("higher", "Higher"), ("lower", "Lower")],
                max_length=6,
                verbose_name="better if",
            ),
        ),
    ]
