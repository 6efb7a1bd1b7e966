"""Writing the catalog back to the curriculum file's format (`manage.py dump_curriculum`).

The dump is what curators' work becomes once it is reviewed: the database, as admin left
it, in the file's own layout and a stable order (tracks in order; each track's published
skills in order, with prerequisites sorted and resources in order), so a diff of the file
reviews cleanly, and loading the committed file and dumping it again changes nothing
(tests/catalog/test_curation_round_trip.py). The file's guidance for editors is written
by the dump too (HEADER), so it cannot be lost.

TOML is written here rather than by a general writer: the layout (section comments,
`[[skill.resources]]` blocks, triple-quoted summaries) is part of what reviewers read,
and the values are only strings, whole numbers, booleans and lists of strings.
"""

from __future__ import annotations

from .models import LearningPath, Prerequisite, Resource, Skill, Track, split_aliases

HEADER = """\
# Gradient curriculum: the catalog of tracks, skills, prerequisites and resources
# =============================================================================
#
# What this file is
#   The single source of truth for Gradient's learning catalog: the path from
#   "I can write a little Python" to "I design, ship and maintain ML systems",
#   as described by the seed articles in `seeds/` (see DESIGN.md, "The curriculum
#   must cover the seeds"). It is reviewed like code.
#
# How to load it
#   python manage.py load_curriculum
#   The loader is idempotent: it matches tracks and skills by slug, creates what
#   is missing and updates what changed, so running it twice changes nothing.
#   Curators refine the catalog in Django admin; the loader leaves an entry they
#   changed as it is (and lists it) unless told --force.
#
# How it is written
#   python manage.py dump_curriculum
#   writes the database back to this file, curators' work included, in this
#   layout and a stable order: review the diff and commit it. Edit by hand or
#   dump; this header is written by the dump (catalog/dump.py).
#
# Format (TOML 1.0, read with Python's stdlib `tomllib`)
#   [[track]]            slug, title, summary. File order is display order.
#   [[path]]             slug, title, summary, suits (who it is for), assumed (skills
#                        it takes as known); a role as an ordered selection of the
#                        skills below, in stages.
#   [[path.stages]]      title, required and optional (electives): skill slugs in
#                        learning order. A required skill's prerequisites must be in
#                        the path or assumed; the loader refuses the path otherwise.
#   [[skill]]            slug, track, title, level, hours, summary, prerequisites,
#                        and optionally aliases. Skills appear grouped by track, in
#                        learning order; file order is display order within a track.
#   [[skill.resources]]  key, title, url, kind, free, minutes, provider, and author
#                        when known, section when the address is a whole work; one
#                        block per link, directly after the skill it belongs to.
#
# Rules for editing
#   * Slugs are lowercase kebab-case and unique across the whole file. Never
#     rename a slug that has shipped: learners' progress is keyed on it. Add a
#     new skill and retire the old one in admin instead.
#   * `track` must name a track defined at the top of the file.
#   * `level` is one of: beginner, intermediate, advanced.
#   * `hours` is a whole-number estimate of study time a practitioner would sign:
#     at most 80 for a beginner skill, 120 for an intermediate one and 160 for an
#     advanced one (the loader and admin refuse more). A bigger topic is several
#     skills. A degree or an internship is a milestone: its hours are the decision
#     and the applications, and its summary says so; the study is counted in the
#     skills it teaches.
#   * `summary` is at least two full sentences written for the learner: what it
#     is, why an ML engineer needs it, what you can do when you are done. Plain,
#     concrete and encouraging; no marketing.
#   * `prerequisites` lists skill slugs (any track) that are genuinely worth
#     learning first. The graph must stay acyclic; the loader and admin refuse a
#     cycle.
#   * Every skill has at least one resource. URLs start with https:// and point
#     at real, stable public pages: official documentation, well-known free
#     courses and books. Prefer a course or book's top-level page over a deep
#     link. Never guess a URL.
#   * `kind` is one of: course, book, docs, video, article, practice, community.
#     Set `free = false` for anything that costs money (paid exams, paid books,
#     subscription courses). `minutes` is a whole-number estimate of the time
#     needed to work through the resource for this skill.
#   * Inline tables must stay on one line in TOML 1.0, so resources use
#     [[skill.resources]] sub-tables rather than inline tables.
#   * A resource's `key` is its stable name within the skill (kebab-case, made
#     from the title when left out). Learners' "used" marks follow it: correct a
#     title or an address and keep the key. A new key is a new resource.
#   * When the address is a whole book or course and the skill needs a part of
#     it, keep the work's stable address and name the part in `section`
#     ("Chapter 3", "Lectures 4 to 6"); one address never stands for two titles.
#   * `aliases` lists other names a learner might search for: abbreviations
#     (MLOps, CNN, LLM, RAG), tools the skill is about (XGBoost, Docker), other
#     spellings (k-means, kmeans; optimization). Search ranks an alias like the
#     title. No commas inside an alias.
#   * `provider` names who publishes a resource (a site, a university, a press:
#     "MIT OpenCourseWare", "scikit-learn", "Springer"); every resource has one.
#     `author` names the people who wrote or teach it ("Andrew Ng"), only when
#     certain from the resource itself; otherwise leave it out. Both are searched.
"""

RULE = "# " + "-" * 77


def basic_string(value: str) -> str:
    """A TOML basic string ("..."): backslashes, quotes and control characters escaped."""
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def multiline_string(value: str) -> str:
    """A TOML multi-line basic string (\"\"\"...\"\"\"), as the file writes summaries: the
    text on one line, its quotes left as they are unless two in a row or a last one
    could end the string early."""
    escaped = basic_string(value)[1:-1]
    if '""' not in value and not value.endswith('"'):
        escaped = escaped.replace('\\"', '"')
    return '"""' + escaped + '"""'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(basic_string(v) for v in values) + "]"


def dump_curriculum() -> str:
    """The published catalog in the curriculum file's format: four queries."""
    tracks = list(Track.objects.order_by("order", "title"))
    skills = list(
        Skill.objects.published()
        .select_related("track")
        .order_by("track__order", "track__title", "order", "title")
    )
    requires: dict[int, list[str]] = {}
    for skill_id, slug in Prerequisite.objects.filter(requires__is_published=True).values_list(
        "skill_id", "requires__slug"
    ):
        requires.setdefault(skill_id, []).append(slug)
    resources: dict[int, list[Resource]] = {}
    for resource in Resource.objects.filter(skill__is_published=True).order_by("order", "id"):
        resources.setdefault(resource.skill_id, []).append(resource)

    out = [HEADER, RULE, "# Tracks", RULE, ""]
    for track in tracks:
        out += [
            "[[track]]",
            f"slug = {basic_string(track.slug)}",
            f"title = {basic_string(track.title)}",
        ]
        if track.summary:
            out.append(f"summary = {basic_string(track.summary)}")
        out.append("")
    paths = list(LearningPath.objects.prefetch_related("steps__skill", "assumed"))
    if paths:
        out += [RULE, "# Paths", RULE, ""]
    for path in paths:
        out += [
            "[[path]]",
            f"slug = {basic_string(path.slug)}",
            f"title = {basic_string(path.title)}",
            f"summary = {multiline_string(path.summary)}",
            f"suits = {multiline_string(path.suits)}",
            f"assumed = {_list(sorted(skill.slug for skill in path.assumed.all()))}",
            "",
        ]
        stages: dict[str, tuple[list[str], list[str]]] = {}
        for step in path.steps.all():
            required, optional = stages.setdefault(step.stage, ([], []))
            (required if step.required else optional).append(step.skill.slug)
        for title, (required, optional) in stages.items():
            out += ["[[path.stages]]", f"title = {basic_string(title)}"]
            out.append(f"required = {_list(required)}")
            if optional:
                out.append(f"optional = {_list(optional)}")
            out.append("")
    for track in tracks:
        mine = [s for s in skills if s.track_id == track.pk]
        if not mine:
            continue
        out += [RULE, f"# Skills: {track.title[:1].lower() + track.title[1:]}", RULE, ""]
        for skill in mine:
            out += [
                "[[skill]]",
                f"slug = {basic_string(skill.slug)}",
                f"track = {basic_string(track.slug)}",
                f"title = {basic_string(skill.title)}",
                f"level = {basic_string(skill.level)}",
                f"hours = {skill.hours}",
                f"summary = {multiline_string(skill.summary)}",
                f"prerequisites = {_list(sorted(requires.get(skill.pk, [])))}",
            ]
            if skill.aliases:
                out.append(f"aliases = {_list(split_aliases(skill.aliases))}")
            out.append("")
            for resource in resources.get(skill.pk, []):
                out += [
                    "[[skill.resources]]",
                    f"key = {basic_string(resource.key)}",
                    f"title = {basic_string(resource.title)}",
                    f"url = {basic_string(resource.url)}",
                ]
                if resource.section:
                    out.append(f"section = {basic_string(resource.section)}")
                if resource.author:
                    out.append(f"author = {basic_string(resource.author)}")
                if resource.provider:
                    out.append(f"provider = {basic_string(resource.provider)}")
                out += [
                    f"kind = {basic_string(resource.kind)}",
                    f"free = {'true' if resource.is_free else 'false'}",
                    f"minutes = {resource.minutes}",
                    "",
                ]
    return "\n".join(out).rstrip("\n") + "\n"
