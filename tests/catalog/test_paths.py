"""Role paths in the curriculum file: loaded and validated like tracks."""

from pathlib import Path

import pytest

from catalog.curriculum import CurriculumError, load_curriculum, parse_curriculum
from catalog.dump import dump_curriculum
from catalog.models import LearningPath
from tests.helpers.curriculum import CODE_TRACK as SKILLS

PATH = """
[[path]]
slug = "analyst"
title = "Analyst"
summary = "Tables first."
suits = "People with spreadsheets."
assumed = {assumed}
[[path.stages]]
title = "Start"
required = {required}
optional = ["pandas"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "curriculum.toml"
    path.write_text(text)
    return path


def curriculum(required: str = '["python", "numpy"]', assumed: str = "[]") -> str:
    return SKILLS + PATH.format(required=required, assumed=assumed)


@pytest.mark.django_db
def test_a_path_loads_with_its_stages_required_and_optional(tmp_path: Path) -> None:
    report = load_curriculum(write(tmp_path, curriculum()))
    assert report.counts["paths created"] == 1
    path = LearningPath.objects.get(slug="analyst")
    steps = [(s.skill.slug, s.stage, s.required) for s in path.steps.select_related("skill")]
    assert steps == [
        ("python", "Start", True),
        ("numpy", "Start", True),
        ("pandas", "Start", False),
    ]
    assert not load_curriculum(write(tmp_path, curriculum())).changed  # idempotent
    # The dump writes it back, and the dump loads to the same path.
    assert "[[path.stages]]" in dump_curriculum()
    parse_curriculum(write(tmp_path, dump_curriculum()))


@pytest.mark.django_db
def test_a_changed_path_is_updated_and_a_removed_one_goes(tmp_path: Path) -> None:
    load_curriculum(write(tmp_path, curriculum()))
    report = load_curriculum(write(tmp_path, curriculum(required='["python"]')))
    assert report.counts["paths updated"] == 1
    assert LearningPath.objects.get().steps.count() == 2
    load_curriculum(write(tmp_path, SKILLS))
    assert not LearningPath.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("required", "assumed", "problem"),
    [
        ('["python", "scala"]', "[]",
         "path 'analyst', stage #1: 'required' names an unknown skill 'scala'"),
        ('["numpy"]', "[]",
         "the required skill 'numpy' needs 'python', which the path neither includes nor assumes"),
        ('["python", "python"]', "[]", "lists the skill 'python' 2 times"),
        ("[]", "[]", "'required' must list at least one skill"),
        ('["numpy"]', '["nope"]', "'assumed' names an unknown skill 'nope'"),
    ],
)  # fmt: skip
def test_a_bad_path_is_refused_with_the_entry_and_the_problem(
    tmp_path: Path, required: str, assumed: str, problem: str
) -> None:
    with pytest.raises(CurriculumError) as refused:
        load_curriculum(write(tmp_path, curriculum(required, assumed)))
    assert problem in str(refused.value)
    assert not LearningPath.objects.exists()


@pytest.mark.django_db
def test_an_assumed_prerequisite_lets_the_path_skip_it(tmp_path: Path) -> None:
    load_curriculum(write(tmp_path, curriculum(required='["numpy"]', assumed='["python"]')))
    assert [s.slug for s in LearningPath.objects.get().assumed.all()] == ["python"]


@pytest.mark.django_db
def test_a_stage_may_rest_only_on_the_stages_before_it(tmp_path: Path) -> None:
    later = SKILLS + PATH.format(required='["numpy"]', assumed="[]").replace(
        'optional = ["pandas"]', '[[path.stages]]\ntitle = "Later"\nrequired = ["python"]'
    )
    with pytest.raises(CurriculumError) as refused:
        load_curriculum(write(tmp_path, later))
    assert "the skill 'numpy' (stage 1) needs 'python' (stage 2), which come later" in str(
        refused.value
    )


def test_the_committed_file_has_the_five_roles() -> None:
    paths = {p.slug for p in parse_curriculum().paths}
    assert {
        "ml-engineer",
        "mlops-engineer",
        "data-scientist",
        "research-scientist",
        "ai-engineer",
    } <= paths
