"""The evaluation table: numbers as written, which way is better, and the change from the
baseline judged in words; the migration from floats and the export format that follows."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from tests.helpers import new_project_form
from tracker.account.importing import account_import
from tracker.account.schema import ImportRefused, validate_import
from tracker.models import Metric, Project
from tracker.portfolio.metrics import NotANumber, direction_by_name, parse_number

# -- numbers as written -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0.8600", "0.8600"),
        ("0.86", "0.86"),
        ("412", "412"),
        (" 0.5 ", "0.5"),
        ("+.50", "0.50"),
        ("5.", "5"),
        ("\u22120.061", "-0.061"),  # a real minus sign, as a phone may type it
        ("-0.00", "0.00"),
        ("1e-3", "0.001"),
        ("1.5e-9", "1.5E-9"),
        ("2E+5", "2E+5"),
    ],
)
def test_a_number_keeps_the_digits_it_was_written_with(typed: str, kept: str) -> None:
    assert parse_number(typed) == kept
    assert parse_number(kept) == kept  # what is stored reads back as itself


@pytest.mark.parametrize(
    "typed", ["", "high", "nan", "inf", "Infinity", "1_000", "0,86", "\u0661", "1e1000", "1" * 41]
)
def test_anything_but_a_finite_decimal_number_is_refused(typed: str) -> None:
    with pytest.raises(NotANumber):
        parse_number(typed)


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("accuracy", "higher"),
        ("Top-1 accuracy", "higher"),
        ("F1 (macro)", "higher"),
        ("ROC AUC", "higher"),
        ("precision@10", "higher"),
        ("recall at 20%", "higher"),
        ("R²", "higher"),
        ("RMSE (log)", "lower"),
        ("MAE", "lower"),
        ("val_loss", "lower"),
        ("Log-loss", "lower"),
        ("perplexity", "lower"),
        ("word error rate", "lower"),
        ("p95 latency (ms)", "lower"),
        ("mean reward", ""),
        ("BLEU", ""),
        ("accuracy loss", ""),  # both ways: not guessed
    ],
)
def test_known_metrics_are_recognised_by_name(name: str, direction: str) -> None:
    assert direction_by_name(name) == direction


# -- the table as pages show it ---------------------------------------------------------------


def table_rows(html: str) -> list[str]:
    """Each row of the evaluation table as its text, tags and spacing dropped."""
    body = html.split('<table class="eval-table">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


@pytest.mark.django_db
def test_the_change_from_the_baseline_says_better_or_worse_the_way_the_metric_goes(
    alice, alice_client
) -> None:
    project = Project.objects.create(owner=alice, title="P", summary="s", visibility="public")
    rows = [
        ("RMSE", "0.1210", "0.182", ""),  # lower is better, and it went down
        ("accuracy", "0.86", "0.90", ""),  # higher is better, and it went down
        ("mean reward", "412", "22", "higher"),  # unknown by name: as chosen
        ("AUC", "0.84", "0.840", ""),
        ("BLEU", "31.5", "30", ""),  # which way is better was never said
        ("F1", "0.90", "", ""),  # no baseline
    ]
    for order, (name, value, baseline, better) in enumerate(rows):
        Metric.objects.create(
            project=project, name=name, value=value, baseline=baseline, better=better, order=order
        )

    html = Client().get(f"/projects/{project.pk}/").content.decode()

    assert table_rows(html) == [
        "RMSE Test 0.1210 0.182 \u22120.0610 better",
        "accuracy Test 0.86 0.90 \u22120.04 worse",
        "mean reward Test 412 22 +390 better",
        "AUC Test 0.84 0.840 0.000 no change",
        "BLEU Test 31.5 30 +1.5",
        "F1 Test 0.90 \u2014 \u2014",
    ]
    # The judgement is a word with a glyph (drawn by the stylesheet), not colour alone.
    assert '<span class="change change-better">\u22120.0610 <span class="change-word">' in html
    portfolio = Client().get("/u/alice/").content.decode()
    assert '\u22120.0610 <span class="change-word">better</span>' in portfolio


@pytest.mark.django_db
def test_a_project_card_shows_its_key_metric_against_the_baseline(alice, alice_client) -> None:
    project = Project.objects.create(owner=alice, title="P", summary="s")
    Metric.objects.create(project=project, name="MAE", value="3.20", baseline="4.05")
    html = alice_client.get("/projects/").content.decode()
    assert '<span class="key-metric-value">3.20</span>' in html
    assert "baseline 4.05" in html and '<span class="change-word">better</span>' in html


# -- the form ---------------------------------------------------------------------------------


def metric_row(name: str, value: str, baseline: str = "", better: str = "") -> dict[str, str]:
    return {
        "metrics-0-name": name,
        "metrics-0-value": value,
        "metrics-0-baseline": baseline,
        "metrics-0-better": better,
    }


@pytest.mark.django_db
def test_the_form_keeps_the_numbers_as_typed(alice, alice_client) -> None:
    response = alice_client.post(
        "/projects/new/", new_project_form(**metric_row("accuracy", "0.8600", "\u22120.5"))
    )
    assert response.status_code == 302
    metric = Metric.objects.get()
    assert (metric.value, metric.baseline, metric.better) == ("0.8600", "-0.5", "")
    edit = alice_client.get(f"/projects/{metric.project_id}/edit/").content.decode()
    assert 'name="metrics-0-value" value="0.8600"' in edit


@pytest.mark.django_db
def test_an_unknown_metric_with_a_baseline_needs_to_say_which_way_is_better(
    alice, alice_client
) -> None:
    refused = alice_client.post(
        "/projects/new/", new_project_form(**metric_row("mean reward", "412", "22"))
    )
    assert refused.status_code == 200
    assert "Say whether a higher or a lower mean reward is better" in refused.content.decode()
    assert not Project.objects.exists()

    # Without a baseline there is nothing to judge; with a choice, it is saved.
    assert (
        alice_client.post(
            "/projects/new/", new_project_form(**metric_row("mean reward", "412"))
        ).status_code
        == 302
    )
    saved = alice_client.post(
        "/projects/new/", new_project_form(**metric_row("mean reward", "412", "22", "higher"))
    )
    assert saved.status_code == 302
    assert Metric.objects.filter(better="higher").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("metrics-0-value", "0,86", "Enter a number."),
        ("metrics-0-value", "NaN", "Enter a number."),
        ("metrics-0-baseline", "1e1000", "This number is too large or too small"),
        ("metrics-0-value", "1" * 50, "This number has too many digits"),
        ("metrics-0-better", "sideways", "Select a valid choice."),
    ],
)
def test_the_form_refuses_what_is_not_a_number_with_a_clear_message(
    alice_client, field: str, value: str, message: str
) -> None:
    response = alice_client.post("/projects/new/", new_project_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Metric.objects.exists()


# -- the migration from floats ----------------------------------------------------------------


MIGRATION = ("tracker", "0012_metric_numbers_as_written")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_existing_value(alice) -> None:
    executor = MigrationExecutor(connection)
    before = executor.loader.graph.node_map[MIGRATION].parents
    executor.migrate([(p.key[0], p.key[1]) for p in before])
    old_apps = executor.loader.project_state([p.key for p in before]).apps
    OldProject = old_apps.get_model("tracker", "Project")
    OldMetric = old_apps.get_model("tracker", "Metric")
    project = OldProject.objects.create(owner_id=alice.pk, title="t", summary="s")
    floats = [(0.86, 0.8), (0.1 + 0.2, None), (412.0, 22.0), (-0.0, 1e-7), (1e300, -1.5)]
    for value, baseline in floats:
        OldMetric.objects.create(project=project, name="m", value=value, baseline=baseline)

    executor = MigrationExecutor(connection)
    executor.migrate([MIGRATION])
    migrated = executor.loader.project_state([MIGRATION]).apps.get_model("tracker", "Metric")
    assert list(migrated.objects.order_by("id").values_list("value", "baseline", "better")) == [
        ("0.86", "0.8", ""),
        ("0.30000000000000004", "", ""),
        ("412", "22", ""),
        ("0", "1E-7", ""),
        ("1E+300", "-1.5", ""),
    ]

    executor = MigrationExecutor(connection)
    executor.migrate([(p.key[0], p.key[1]) for p in before])  # and back again
    back = executor.loader.project_state([p.key for p in before]).apps
    values = back.get_model("tracker", "Metric").objects.order_by("id")
    assert list(values.values_list("value", "baseline")) == [
        (0.86, 0.8),
        (0.30000000000000004, None),
        (412.0, 22.0),
        (0.0, 1e-7),
        (1e300, -1.5),
    ]
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())


# -- export and import ------------------------------------------------------------------------


def import_file(version: int, *metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "gradient-export",
        "version": version,
        "projects": [{"title": "t", "metrics": list(metrics)}],
    }


@pytest.mark.django_db
def test_an_export_writes_numbers_as_text_and_a_version_1_file_still_imports(
    alice, bob, alice_client
) -> None:
    project = Project.objects.create(owner=alice, title="P", summary="s")
    Metric.objects.create(project=project, name="gain", value="0.8600", baseline="0.8")
    Metric.objects.create(project=project, name="gap", value="2", better="lower", order=1)
    exported = json.loads(alice_client.get("/account/export.json").content)
    assert exported["version"] == 2
    assert exported["projects"][0]["metrics"] == [
        {"name": "gain", "split": "test", "value": "0.8600", "baseline": "0.8", "better": None},
        {"name": "gap", "split": "test", "value": "2", "baseline": None, "better": "lower"},
    ]

    account_import(user=bob, data=exported)
    account_import(
        user=bob,
        data=import_file(
            1, {"name": "acc", "value": 0.86, "baseline": 0.8}, {"name": "n", "value": 3}
        ),
    )
    assert list(
        Metric.objects.filter(project__owner=bob)
        .order_by("project_id", "order")
        .values_list("name", "value", "baseline", "better")
    ) == [
        ("gain", "0.8600", "0.8", ""),
        ("gap", "2", "", "lower"),
        ("acc", "0.86", "0.8", ""),
        ("n", "3", "", ""),
    ]


@pytest.mark.parametrize(
    ("metric", "problem"),
    [
        ({"name": "a", "value": "0,86"}, 'value: "0,86" is not a number like 0.86'),
        ({"name": "a", "value": "NaN"}, 'value: "NaN" is not a number like 0.86'),
        ({"name": "a", "value": "1e1000"}, 'value: "1e1000" is too large or too small'),
        ({"name": "a", "value": None}, "value: must be a number"),
        ({"name": "a", "value": "1", "baseline": []}, "baseline: must be a number"),
        ({"name": "a", "value": "1", "better": "up"}, 'better: "up" is not one of higher, lower'),
    ],
)
def test_an_import_refuses_a_metric_that_is_not_a_number(metric: dict, problem: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        validate_import(import_file(2, metric))
    assert refused.value.messages[0].startswith(f"projects[0].metrics[0].{problem}")
