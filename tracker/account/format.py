"""The export format ("gradient-export", version 2): its limits, written once, for the
export, the import and the forms whose values must fit in a file.

Version 2 writes a metric's value and baseline as text with the digits as entered
("0.8600"), and says which way is better (`better`: "higher", "lower" or null, for
"judge by the name"). Version 1 wrote them as JSON numbers; the import reads both.

It names things by what a person recognises (skill slugs, usernames, titles), never by
database ids, so a file can be imported into a new account or another Gradient site. A
project's `url` and an image's `url` are the only places an id shows, and import ignores
both.
"""

FORMAT = "gradient-export"
VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_IMPORT_BYTES = 5 * 1024 * 1024

PROFILE_TEXT = {"first_name": 150, "last_name": 150, "headline": 120, "bio": 2000}
PROFILE_URLS = {"github_url": 300, "linkedin_url": 300, "kaggle_url": 300, "website_url": 300}

# A project's own fields, in the model's order: text and URL fields with their lengths.
PROJECT_TEXT = {"title": 120, "summary": 280, "problem": 50_000, "data_source": 200}
PROJECT_TEXT |= {"data_size": 100, "data_licence": 100, "approach": 50_000, "results": 50_000}
PROJECT_URLS = {"data_url": 500, "repository_url": 500, "demo_url": 500}
PROJECT_FIELDS = (
    "title", "kind", "summary", "problem", "data_source", "data_size", "data_licence",
    "data_url", "approach", "results", "repository_url", "demo_url",
)  # fmt: skip


# How many entries of each list a file may hold: far beyond any real account, far below
# what would make an import slow.
MAX_PROGRESS = 5_000
MAX_EVENTS = 100_000
MAX_LINKS = 5_000
MAX_RESOURCES_USED = 5_000
MAX_GOALS = 1_000
MAX_PROJECTS = 500
MAX_PROJECT_SKILLS = 500
MAX_PROJECT_IMAGES = 500
MAX_METRICS = 20
MAX_COLLABORATORS = 20
MAX_NOTE = 20_000
MAX_ERRORS = 10
# Dates, and times once in UTC: any real project date fits, and every value stays a day
# or more inside the calendar Python and both databases hold, whatever the time zone it
# is shown in. Judged on the UTC value, which is what is stored and exported.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
YEARS = f"{EARLIEST_YEAR} to {LATEST_YEAR}"
