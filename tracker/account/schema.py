"""The export format as pydantic models: how an import file is checked.

`validate_import` checks a decoded file (importing.read_export_file) as a whole against
`ExportIn` and the models it holds (strict types, lengths from format.py, allowed values,
dates) and refuses it with messages that name the place and the problem
("projects[2].metrics[0].value: must be a number"), at most MAX_ERRORS of them.
Nothing here writes; importing.py does, from the checked document.
"""

import datetime as dt
import json
import re
from typing import Annotated, Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, slug_re
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from ..account.models import MailKind, available_time_zones
from ..models import (
    EventKind,
    Metric,
    Project,
    Status,
)
from ..portfolio import metrics
from .format import (
    EARLIEST_YEAR,
    FORMAT,
    LATEST_YEAR,
    MAX_COLLABORATORS,
    MAX_ERRORS,
    MAX_EVENTS,
    MAX_GOALS,
    MAX_LINKS,
    MAX_METRICS,
    MAX_NOTE,
    MAX_PROGRESS,
    MAX_PROJECT_IMAGES,
    MAX_PROJECT_SKILLS,
    MAX_PROJECTS,
    MAX_RESOURCES_USED,
    PROFILE_TEXT,
    PROFILE_URLS,
    PROJECT_FIELDS,
    PROJECT_TEXT,
    PROJECT_URLS,
    READABLE_VERSIONS,
    YEARS,
)

# -- refusing an import ---------------------------------------------------------------------


class ImportRefused(Exception):
    """A file that will not be imported; `messages` say why, to show as they are."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


# -- the format's values: each check raises a problem worded to be shown as it is ----------


def _refused(problem: str) -> PydanticCustomError:
    # Given no context, pydantic fills in no {placeholders}: text from the file stays as is.
    return PydanticCustomError("refused", problem)


def _shown(value: object) -> str:
    """A value from the file, as a message quotes it: as JSON, cut short."""
    return json.dumps(value)[:40] if isinstance(value, str | int | float) else "that"


def _clean(text: str) -> str:
    if "\x00" in text:
        raise _refused("contains a NUL character")
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate, as JSON's "\ud800" makes
        raise _refused("contains characters that are not valid Unicode") from None
    return text


def _filled(text: str) -> str:
    if not text.strip():
        raise _refused("must not be empty")
    return text


_url_validator = URLValidator()


def _web_address(text: str) -> str:
    try:
        if text:
            _url_validator(text)
    except DjangoValidationError:
        raise _refused("is not a valid web address") from None
    return text


# Text, and its length from format.py where it is used: `Field("", max_length=...)`.
Text = Annotated[str, AfterValidator(_clean)]
Name = Annotated[Text, AfterValidator(_filled)]  # text that must be there: a title, a name
Address = Annotated[Text, AfterValidator(_web_address)]  # a web address, or ""


def _one_of(choices: list[str]) -> PlainValidator:
    def check(value: object) -> str:
        if not isinstance(value, str) or value not in choices:
            raise _refused(f"{_shown(value)} is not one of {', '.join(choices)}")
        return value

    return PlainValidator(check)


StatusChoice = Annotated[str, _one_of(Status.values)]
EventKindChoice = Annotated[str, _one_of(EventKind.values)]
MailKindChoice = Annotated[str, _one_of(MailKind.values)]
KindChoice = Annotated[str, _one_of(Project.Kind.values)]
VisibilityChoice = Annotated[str, _one_of(Project.Visibility.values)]
SplitChoice = Annotated[str, _one_of(Metric.Split.values)]
BetterChoice = Annotated[str, _one_of(Metric.Better.values)]


_SLUG = re.compile(slug_re.pattern)  # Django's, compiled now: its lazy one is slow to call


def _slug(value: object) -> str:
    # Unknown slugs are named back to the user, so nothing but a slug may pass.
    if not isinstance(value, str) or len(value) > 80 or not _SLUG.match(value):
        raise _refused(f"{_shown(value)} is not a skill slug (letters, digits, - and _)")
    return value


SkillSlug = Annotated[str, PlainValidator(_slug)]

# What the export writes and the RFC 3339 shapes around it (a space for the T, seconds
# left out); offsets in hours and minutes, as RFC 3339 has them.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.(?P<fraction>[0-9]+))?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)


def _when(value: object) -> dt.datetime:
    """A date and time with its offset, as the UTC value that will be stored (and
    exported): the year bounds apply to that value, not to the one in the file."""
    if value is None:
        raise _refused("is missing")  # a required time; an optional one takes null as None
    text = value if isinstance(value, str) and len(value) <= 40 else ""
    shape = _DATETIME.fullmatch(text)
    if shape and len(shape["fraction"] or "") > 6:
        finer = "has more than 6 decimals of a second; times are kept to the microsecond"
        raise _refused(f"{_shown(value)} {finer}")
    try:
        parsed = dt.datetime.fromisoformat(text) if shape else None
    except ValueError:  # a 31st of February, a 25th hour
        parsed = None
    if parsed is None:
        raise _refused(f"{_shown(value)} is not a date and time like 2026-01-31T09:30:00+00:00")
    try:
        utc = parsed.astimezone(dt.UTC)
    except OverflowError:  # the offset takes it past year 1 or 9999
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        in_utc = (
            f"{_shown(value)} is {utc.isoformat()} in UTC: " if utc and parsed.utcoffset() else ""
        )
        year = utc.year if utc else parsed.year
        raise _refused(f"{in_utc}the year {year} is out of range ({YEARS})")
    return utc


def _day(value: object) -> dt.date:
    parsed = None
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise _refused(f"{_shown(value)} is not a date like 2026-01-31")
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise _refused(f"the year {parsed.year} is out of range ({YEARS})")
    return parsed


When = Annotated[dt.datetime, PlainValidator(_when)]
Day = Annotated[dt.date, PlainValidator(_day)]


def _metric_number(value: object) -> str:
    """A metric's number as it is stored (metrics.parse_number): version 2 writes text with
    the digits as entered, version 1 wrote a JSON number (read as the shortest digits that
    give that float). Zero has one sign: SQLite kept no sign of -0.0 and PostgreSQL did."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _refused("must be a number")
    try:
        if isinstance(value, str):
            return metrics.parse_number(value)
        if isinstance(value, int):
            return metrics.parse_number(str(value))
        return metrics.number_from_float(value)
    except metrics.NotANumber as e:
        raise _refused(f"{_shown(value)} {e}") from None


MetricNumber = Annotated[str, PlainValidator(_metric_number)]


def _no_baseline(value: object) -> object:
    return None if value == "" else value


def _none_is_empty(value: object) -> object:
    return [] if value is None else value


def _unless_enough_found(
    value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> object:
    """Check one entry of a list, unless MAX_ERRORS problems were found already.

    pydantic finds every problem in a document, and a 5 MB file can hold a million: making
    messages of them all would take seconds, for the ten that are shown. An entry left
    unchecked is left as it is, in a document refused anyway.
    """
    found = info.context
    if found is None:
        return handler(value)
    if found["problems"] >= MAX_ERRORS:
        return value
    before = found["problems"]
    try:
        return handler(value)
    except ValidationError as e:
        # Set, not added to: a project's problems include its metrics', counted already.
        found["problems"] = before + e.error_count()
        raise


T = TypeVar("T")
# A list of at most `Field([], max_length=...)` entries; a missing or null one is empty.
Entries = Annotated[
    list[Annotated[T, WrapValidator(_unless_enough_found)]], BeforeValidator(_none_is_empty)
]


# -- the format's documents -----------------------------------------------------------------


class _In(BaseModel):
    """Part of an export file: strict types (no "1" for a number, 1 for text or 0 for
    false), and the keys this version does not read ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


def _time_zone(value: str) -> str:
    if value and value not in available_time_zones():
        raise _refused("is not a time zone name such as Europe/Paris")
    return value


class GoalIn(_In):
    """A goal the learner set: the path (its slug; none if it had left the curriculum),
    hours a week, an optional target date, and when it was set."""

    path: SkillSlug | None = None
    hours_per_week: int = Field(ge=1, le=60)
    target_date: dt.date | None = None
    set_at: When


class ProfileIn(_In):
    first_name: Text = Field("", max_length=PROFILE_TEXT["first_name"])
    last_name: Text = Field("", max_length=PROFILE_TEXT["last_name"])
    headline: Text = Field("", max_length=PROFILE_TEXT["headline"])
    bio: Text = Field("", max_length=PROFILE_TEXT["bio"])
    github_url: Address = Field("", max_length=PROFILE_URLS["github_url"])
    linkedin_url: Address = Field("", max_length=PROFILE_URLS["linkedin_url"])
    kaggle_url: Address = Field("", max_length=PROFILE_URLS["kaggle_url"])
    website_url: Address = Field("", max_length=PROFILE_URLS["website_url"])
    show_progress: bool = False  # taken only if the file has it (exclude_unset)
    time_zone: Annotated[Text, AfterValidator(_time_zone)] = Field("", max_length=64)


class ProgressIn(_In):
    skill: SkillSlug
    status: StatusChoice
    note: Text = Field("", max_length=MAX_NOTE)
    started_at: When | None = None
    completed_at: When | None = None
    updated_at: When | None = None
    known_before: bool = False  # files from before "known before" lack it


class EventIn(_In):
    skill: SkillSlug
    from_status: StatusChoice
    to_status: StatusChoice
    kind: EventKindChoice = EventKind.STATUS  # files from before kinds lack it
    created_at: When


class LinkIn(_In):
    skill: SkillSlug
    title: Name = Field(max_length=200)
    url: Annotated[Name, AfterValidator(_web_address)] = Field(max_length=500)
    created_at: When | None = None


class ResourceUseIn(_In):
    """A curated resource the learner marked as used: its skill, its key in the skill, and
    its address when the mark was exported (files from before keys name only that)."""

    skill: SkillSlug
    resource: SkillSlug | None = None
    url: Annotated[Name, AfterValidator(_web_address)] = Field(max_length=500)
    used_at: When | None = None


class MetricIn(_In):
    name: Name = Field(max_length=60)
    split: SplitChoice = Metric.Split.TEST
    value: MetricNumber
    baseline: Annotated[MetricNumber | None, BeforeValidator(_no_baseline)] = None
    better: BetterChoice | None = None  # null: judged by the metric's name

    def metric_fields(self) -> dict[str, Any]:
        """The values as the Metric model keeps them."""
        return {
            "name": self.name,
            "split": self.split,
            "value": self.value,
            "baseline": self.baseline or "",
            "better": self.better or "",
        }


class CollaboratorIn(_In):
    name: Name = Field(max_length=100)
    url: Address = Field("", max_length=300)


class ImageIn(_In):
    """An image is not in the file, only described: counted, to say so."""


class ProjectIn(_In):
    title: Name = Field(max_length=PROJECT_TEXT["title"])
    summary: Text = Field("", max_length=PROJECT_TEXT["summary"])
    problem: Text = Field("", max_length=PROJECT_TEXT["problem"])
    data_source: Text = Field("", max_length=PROJECT_TEXT["data_source"])
    data_size: Text = Field("", max_length=PROJECT_TEXT["data_size"])
    data_licence: Text = Field("", max_length=PROJECT_TEXT["data_licence"])
    approach: Text = Field("", max_length=PROJECT_TEXT["approach"])
    results: Text = Field("", max_length=PROJECT_TEXT["results"])
    data_url: Address = Field("", max_length=PROJECT_URLS["data_url"])
    repository_url: Address = Field("", max_length=PROJECT_URLS["repository_url"])
    demo_url: Address = Field("", max_length=PROJECT_URLS["demo_url"])
    kind: KindChoice = Project.Kind.PERSONAL
    visibility: VisibilityChoice = Project.Visibility.PRIVATE
    started_on: Day | None = None
    finished_on: Day | None = None
    skills: Entries[SkillSlug] = Field([], max_length=MAX_PROJECT_SKILLS)
    metrics: Entries[MetricIn] = Field([], max_length=MAX_METRICS)
    collaborators: Entries[CollaboratorIn] = Field([], max_length=MAX_COLLABORATORS)
    images: Entries[ImageIn] = Field([], max_length=MAX_PROJECT_IMAGES)
    created_at: When | None = None
    updated_at: When | None = None

    @field_validator("finished_on")
    @classmethod
    def _not_before_the_start(
        cls, finished: dt.date | None, info: ValidationInfo
    ) -> dt.date | None:
        started = info.data.get("started_on")  # absent if it was refused
        if started and finished and finished < started:
            raise _refused("is before started_on")
        return finished

    def project_fields(self) -> dict[str, Any]:
        """The values that are the Project model's own fields."""
        return self.model_dump(include={*PROJECT_FIELDS, "visibility", "started_on", "finished_on"})


class ExportIn(_In):
    """An export file as the import reads it. Keys it does not read (`exported_at`,
    `feedback`, `feedback_given`, `mentor_notes`, `mentorships`, `invites`, the account's
    names, verifications, image details, a project's `url`) are ignored."""

    user: ProfileIn | None = None
    progress: Entries[ProgressIn] = Field([], max_length=MAX_PROGRESS)
    events: Entries[EventIn] = Field([], max_length=MAX_EVENTS)
    links: Entries[LinkIn] = Field([], max_length=MAX_LINKS)
    resources_used: Entries[ResourceUseIn] = Field([], max_length=MAX_RESOURCES_USED)
    goals: Entries[GoalIn] = Field([], max_length=MAX_GOALS)
    projects: Entries[ProjectIn] = Field([], max_length=MAX_PROJECTS)
    mail_opt_outs: Entries[MailKindChoice] = Field([], max_length=len(MailKind.values))


# -- checking an import ---------------------------------------------------------------------


def validate_import(data: object) -> ExportIn:
    """Check a whole decoded export file; the document to write, or ImportRefused with at
    most MAX_ERRORS messages, each `path: problem`.

    Pure: reads no database. Skill slugs are only checked for form here; whether the
    catalog has them is decided when writing (unknown ones are left out and reported).
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused(
            ['This is not a Gradient export: it has no "format": "gradient-export".']
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ImportRefused(['This export has no valid "version".'])
    if version not in READABLE_VERSIONS:
        readable = " and ".join(map(str, READABLE_VERSIONS))
        raise ImportRefused(
            [f"This export is version {version}; this site reads version {readable} files."]
        )
    try:
        document = ExportIn.model_validate(data, context={"problems": 0})
    except ValidationError as e:
        problems = [f"{_path(error['loc'])}: {_problem(error)}" for error in e.errors()]
    else:
        problems = _listed_twice(document.progress)
    if len(problems) >= MAX_ERRORS:
        raise ImportRefused([*problems[:MAX_ERRORS], "…and possibly more: fix these first."])
    if problems:
        raise ImportRefused(problems)
    return document


def _path(loc: tuple[int | str, ...]) -> str:
    """pydantic's ("projects", 2, "metrics", 0, "value") as projects[2].metrics[0].value."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).removeprefix(".")


# pydantic's problems, as its types name them, in fewer words.
_PROBLEMS = {
    "missing": "is missing",
    "string_type": "must be text",
    "string_unicode": "contains characters that are not valid Unicode",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be an object",
}


def _problem(error: ErrorDetails) -> str:
    limits = error.get("ctx", {})
    if error["type"] == "string_too_long":
        length = len(error["input"])
        return f"is {length:,} characters long; at most {limits['max_length']:,} fit"
    if error["type"] == "too_long":
        return f"has {len(error['input']):,} entries; at most {limits['max_length']:,} fit"
    return _PROBLEMS.get(error["type"], error["msg"])


def _listed_twice(progress: list[ProgressIn]) -> list[str]:
    """A skill has one progress row, so a file may list it once."""
    first: dict[str, int] = {}
    return [
        f"progress[{i}].skill: {row.skill} is already listed at progress[{first[row.skill]}]"
        for i, row in enumerate(progress)
        if first.setdefault(row.skill, i) != i
    ]
