"""The curriculum file loader: idempotent, updates by slug, refuses bad files whole."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.curriculum import CurriculumError, load_curriculum
from catalog.models import Prerequisite, Resource, Skill, Track

GOOD = """
[[track]]
slug = "maths"
title = "Maths"
summary = "Numbers."

[[track]]
slug = "code"
title = "Code"

[[skill]]
slug = "algebra"
track = "maths"
title = "Algebra"
level = "beginner"
hours = 10
summary = "Letters for numbers. Useful."
[[skill.resources]]
title = "Khan Academy"
url = "https://www.khanacademy.org/math/algebra"
kind = "course"
free = true
minutes = 600

[[skill]]
slug = "python"
track = "code"
title = "Python"
level = "beginner"
hours = 20
summary = "A language. Friendly."
prerequisites = ["algebra"]
[[skill.resources]]
title = "The Python Tutorial"
url = "https://docs.python.org/3/tutorial/"
kind = "docs"
free = true
minutes = 300
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "curriculum.toml"
    path.write_text(text)
    return path


def snapshot() -> dict[str, list]:
    return {
        "tracks": list(Track.objects.values_list("slug", "title", "summary", "order")),
        "skills": list(
            Skill.objects.order_by("slug").values_list(
                "slug", "track__slug", "title", "summary", "level", "hours", "order", "is_published"
            )
        ),
        "links": sorted(Prerequisite.objects.values_list("skill__slug", "requires__slug")),
        "resources": sorted(
            Resource.objects.values_list("skill__slug", "url", "title", "kind", "minutes")
        ),
    }


@pytest.mark.django_db
def test_it_loads_a_file(tmp_path: Path) -> None:
    report = load_curriculum(write(tmp_path, GOOD))
    assert report.counts["skills created"] == 2
    python = Skill.objects.get(slug="python")
    assert python.track.slug == "code"
    assert list(python.prerequisites.values_list("slug", flat=True)) == ["algebra"]
    assert python.resources.get().url == "https://docs.python.org/3/tutorial/"


@pytest.mark.django_db
def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    load_curriculum(path)
    before = snapshot()
    pks = set(Skill.objects.values_list("pk", flat=True))
    report = load_curriculum(path)
    assert report.changed == 0
    assert snapshot() == before
    assert set(Skill.objects.values_list("pk", flat=True)) == pks


@pytest.mark.django_db
def test_a_changed_entry_updates_by_slug(tmp_path: Path) -> None:
    load_curriculum(write(tmp_path, GOOD))
    pk = Skill.objects.get(slug="python").pk
    changed = GOOD.replace('title = "Python"', 'title = "Python 3"').replace(
        "hours = 20", "hours = 25"
    )
    report = load_curriculum(write(tmp_path, changed))
    assert report.counts["skills updated"] == 1
    python = Skill.objects.get(slug="python")
    assert (python.pk, python.title, python.hours) == (pk, "Python 3", 25)


@pytest.mark.django_db
def test_a_skill_gone_from_the_file_is_unpublished_not_deleted(tmp_path: Path) -> None:
    load_curriculum(write(tmp_path, GOOD))
    without_python = GOOD.split('[[skill]]\nslug = "python"')[0]
    report = load_curriculum(write(tmp_path, without_python))
    assert report.counts["skills unpublished"] == 1
    python = Skill.objects.get(slug="python")
    assert python.is_published is False
    assert Skill.objects.published().count() == 1


@pytest.mark.django_db
def test_a_skill_back_in_the_file_is_published_again(tmp_path: Path) -> None:
    load_curriculum(write(tmp_path, GOOD))
    Skill.objects.filter(slug="python").update(is_published=False)
    load_curriculum(write(tmp_path, GOOD))
    assert Skill.objects.get(slug="python").is_published


@pytest.mark.django_db
def test_removed_prerequisites_and_resources_follow_the_file(tmp_path: Path) -> None:
    load_curriculum(write(tmp_path, GOOD))
    changed = GOOD.replace('prerequisites = ["algebra"]\n', "").replace(
        "https://docs.python.org/3/tutorial/", "https://docs.python.org/3/"
    )
    load_curriculum(write(tmp_path, changed))
    python = Skill.objects.get(slug="python")
    assert python.prerequisites.count() == 0
    assert list(python.resources.values_list("url", flat=True)) == ["https://docs.python.org/3/"]


MALFORMED = [
    (
        "unknown prerequisite",
        GOOD.replace('prerequisites = ["algebra"]', 'prerequisites = ["calculus"]'),
        "skill 'python'",
        "unknown prerequisite 'calculus'",
    ),
    (
        "cycle",
        GOOD.replace(
            'summary = "Letters for numbers. Useful."',
            'summary = "Letters for numbers. Useful."\nprerequisites = ["python"]',
        ),
        "skill 'algebra'",
        "cycle: algebra → python → algebra",
    ),
    (
        "self prerequisite",
        GOOD.replace('prerequisites = ["algebra"]', 'prerequisites = ["python"]'),
        "skill 'python'",
        "lists itself as a prerequisite",
    ),
    (
        "duplicate slug",
        GOOD.replace('slug = "python"', 'slug = "algebra"'),
        "skill 'algebra'",
        "slug appears 2 times",
    ),
    (
        "missing field",
        GOOD.replace("hours = 20\n", ""),
        "skill 'python'",
        "missing field 'hours'",
    ),
    (
        "bad URL",
        GOOD.replace("https://docs.python.org/3/tutorial/", "docs.python.org tutorial"),
        "skill 'python', resource #1",
        "is not a valid http(s) URL",
    ),
    (
        "unknown track",
        GOOD.replace('track = "code"', 'track = "coding"'),
        "skill 'python'",
        "unknown track 'coding'",
    ),
    ("bad level", GOOD.replace('level = "beginner"', 'level = "expert"', 1), "skill", "level"),
    (
        "aliases not a list",
        GOOD.replace('prerequisites = ["algebra"]', 'prerequisites = ["algebra"]\naliases = "py"'),
        "skill 'python'",
        "'aliases' must be a list of non-empty strings",
    ),
    (
        "alias with a comma",
        GOOD.replace(
            'prerequisites = ["algebra"]', 'prerequisites = ["algebra"]\naliases = ["a, b"]'
        ),
        "skill 'python'",
        "contains a comma",
    ),
    (
        "alias twice",
        GOOD.replace(
            'prerequisites = ["algebra"]', 'prerequisites = ["algebra"]\naliases = ["Py", "py"]'
        ),
        "skill 'python'",
        "lists an alias twice",
    ),
    (
        "author not text",
        GOOD.replace("minutes = 300", "minutes = 300\nauthor = 3"),
        "skill 'python', resource #1",
        "'author' must be a non-empty string",
    ),
    (
        "hours above the level's bound",
        GOOD.replace("hours = 20", "hours = 81"),
        "skill 'python'",
        "'hours' must be a whole number from 1 to 80 for a beginner skill, not 81",
    ),
    ("no hours", GOOD.replace("hours = 20", "hours = 0"), "skill 'python'", "from 1 to 80"),
    ("not TOML", GOOD + "\n[[skill]\n", "file", "not valid TOML"),
    ("no resources", GOOD.split("[[skill.resources]]")[0], "skill 'algebra'", "'resources'"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "text", "entry", "problem"), MALFORMED, ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_file_is_refused_and_changes_nothing(
    tmp_path: Path, case: str, text: str, entry: str, problem: str
) -> None:
    load_curriculum(write(tmp_path, GOOD))
    before = snapshot()
    path = write(tmp_path, text)
    with pytest.raises(CurriculumError) as excinfo:
        load_curriculum(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert entry in message
    assert problem in message
    assert snapshot() == before


@pytest.mark.django_db
def test_the_command_names_the_problem_and_fails(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('prerequisites = ["algebra"]', 'prerequisites = ["x"]'))
    with pytest.raises(CommandError, match="nothing changed.*unknown prerequisite 'x'"):
        call_command("load_curriculum", str(path))
    assert Skill.objects.count() == 0


@pytest.mark.django_db
def test_the_command_reports_an_unchanged_catalog(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, GOOD)
    call_command("load_curriculum", str(path))
    call_command("load_curriculum", str(path))
    assert "nothing changed" in capsys.readouterr().out


# -- curation that sticks ------------------------------------------------------------------


def curate(slug: str, **changes: object) -> None:
    """What admin does to a skill: change it and mark it as curated."""
    Skill.objects.filter(slug=slug).update(curated_at=timezone.now(), **changes)


@pytest.mark.django_db
def test_a_skill_changed_in_admin_is_left_as_it_is_and_listed(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    load_curriculum(path)
    curate("python", title="Python, curated", hours=25)
    Resource.objects.filter(skill__slug="python").update(title="The tutorial, curated")
    changed_file = write(tmp_path, GOOD.replace('hours = 20', 'hours = 30').replace(
        'title = "Algebra"', 'title = "Algebra 1"'))  # fmt: skip
    report = load_curriculum(changed_file)
    python = Skill.objects.get(slug="python")
    assert (python.title, python.hours) == ("Python, curated", 25)
    assert python.resources.get().title == "The tutorial, curated"
    assert python.curated_at is not None
    assert Skill.objects.get(slug="algebra").title == "Algebra 1"  # not curated: the file wins
    assert report.kept == ["python"]
    assert "Left as curated in admin (1; `load_curriculum --force`" in str(report)


@pytest.mark.django_db
def test_a_curated_skill_that_matches_the_file_again_loses_the_mark(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    load_curriculum(path)
    curate("python")  # changed, and changed back: it matches the file
    report = load_curriculum(path)
    assert report.kept == [] and not report.changed
    assert Skill.objects.get(slug="python").curated_at is None


@pytest.mark.django_db
def test_force_puts_the_files_version_back_and_clears_the_marks(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, GOOD)
    load_curriculum(path)
    curate("python", title="Python, curated")
    Track.objects.filter(slug="code").update(title="Coding", curated_at=timezone.now())
    call_command("load_curriculum", str(path))
    assert "Left as curated in admin (2" in capsys.readouterr().out
    assert Track.objects.get(slug="code").title == "Coding"
    call_command("load_curriculum", str(path), "--force")
    assert "Left as curated" not in capsys.readouterr().out
    python = Skill.objects.get(slug="python")
    assert (python.title, python.curated_at) == ("Python", None)
    assert Track.objects.get(slug="code").title == "Code"
    assert not Track.objects.filter(curated_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_skill_added_in_admin_stays_published_and_listed(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    load_curriculum(path)
    track = Track.objects.get(slug="code")
    Skill.objects.create(
        track=track, slug="numpy", title="NumPy", summary="Arrays.", hours=5,
        curated_at=timezone.now(),
    )  # fmt: skip
    Skill.objects.create(track=track, slug="old", title="Old", summary="Gone.", hours=5)
    report = load_curriculum(path)
    assert Skill.objects.get(slug="numpy").is_published
    assert not Skill.objects.get(slug="old").is_published  # not curated: unpublished as before
    assert report.kept == ["numpy (not in the file)"]
    load_curriculum(path, force=True)
    assert not Skill.objects.get(slug="numpy").is_published


@pytest.mark.django_db
def test_it_loads_aliases_authors_and_providers(tmp_path: Path) -> None:
    text = GOOD.replace(
        'prerequisites = ["algebra"]', 'prerequisites = ["algebra"]\naliases = ["py", "Python 3"]'
    ).replace(
        "minutes = 300",
        'minutes = 300\nauthor = "Guido van Rossum"\nprovider = "Python Software Foundation"',
    )
    load_curriculum(write(tmp_path, text))
    python = Skill.objects.get(slug="python")
    assert python.aliases == "py, Python 3"
    assert python.alias_list == ["py", "Python 3"]
    resource = python.resources.get()
    assert (resource.author, resource.provider) == (
        "Guido van Rossum",
        "Python Software Foundation",
    )
    # Gone from the file, gone from the catalog.
    load_curriculum(write(tmp_path, GOOD))
    python.refresh_from_db()
    assert python.aliases == ""
    assert python.resources.get().provider == ""


# -- stable resource keys ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_corrected_address_or_title_keeps_the_resource_row(tmp_path: Path) -> None:
    load_curriculum(write(tmp_path, GOOD))
    tutorial = Resource.objects.get(skill__slug="python")
    assert tutorial.key == "the-python-tutorial"  # made from the title
    moved = GOOD.replace(
        'title = "The Python Tutorial"\nurl = "https://docs.python.org/3/tutorial/"',
        'key = "the-python-tutorial"\ntitle = "The Python Tutorial (3.13)"\n'
        'url = "https://docs.python.org/3.13/tutorial/"\nsection = "Chapters 1 to 9"',
    )
    report = load_curriculum(write(tmp_path, moved))
    assert report.counts["resources updated"] == 1 and not report.counts["resources created"]
    again = Resource.objects.get(skill__slug="python")
    assert again.pk == tutorial.pk
    assert (again.url, again.title, again.section) == (
        "https://docs.python.org/3.13/tutorial/",
        "The Python Tutorial (3.13)",
        "Chapters 1 to 9",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ('key = "Not A Slug"\ntitle = "The Python Tutorial"', "must be lowercase kebab-case"),
        ('key = "khan-academy"\ntitle = "The Python Tutorial"', None),  # another skill's: fine
    ],
)
def test_resource_keys_are_checked(tmp_path: Path, change: str, problem: str | None) -> None:
    text = GOOD.replace('title = "The Python Tutorial"', change)
    if problem is None:
        load_curriculum(write(tmp_path, text))
        return
    with pytest.raises(CurriculumError, match=problem):
        load_curriculum(write(tmp_path, text))


@pytest.mark.django_db
def test_two_resources_of_a_skill_may_not_share_a_key(tmp_path: Path) -> None:
    text = GOOD + (
        '\n[[skill.resources]]\nkey = "the-python-tutorial"\ntitle = "Another"\n'
        'url = "https://example.org/x"\nkind = "docs"\nfree = true\nminutes = 5\n'
    )
    with pytest.raises(CurriculumError, match="repeats the key 'the-python-tutorial'"):
        load_curriculum(write(tmp_path, text))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "most"), [("beginner", 80), ("intermediate", 120), ("advanced", 160)]
)
def test_hours_are_bounded_by_the_skills_level(tmp_path: Path, level: str, most: int) -> None:
    def text(hours: int) -> str:
        return GOOD.replace("hours = 20", f"hours = {hours}").replace(
            'level = "beginner"\nhours', f'level = "{level}"\nhours'
        )

    load_curriculum(write(tmp_path, text(most)))
    assert Skill.objects.get(slug="python").hours == most
    with pytest.raises(CurriculumError, match=f"from 1 to {most} for an? {level} skill"):
        load_curriculum(write(tmp_path, text(most + 1)))
