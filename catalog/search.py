"""Search the published catalog with the database's own full-text search.

One function, `search_skills(query)`, answers the same thing on both databases: the
ids of the published skills that match, best first. A skill is one document made of
its title and aliases (weighted most), its track's title, its resources' titles,
authors and providers, and its summary (weighted least).

- PostgreSQL: a table with one row per skill (migration 0008), kept in step by triggers
  as on SQLite: the skill's document as a weighted `tsvector` (the English stemmer) with
  a GIN index, ranked by ts_rank; pg_trgm's word similarity on the title and aliases,
  from a trigram GIN index, for misspellings. One query for a query that matches.
- SQLite: an FTS5 table with the Porter stemmer, one row per skill, ranked by bm25 with
  per-column weights, kept in step by triggers (so the loader, admin saves and admin's
  bulk `queryset.update` actions all reach it). A word FTS5 does not know is corrected
  against the index's own vocabulary (an fts5vocab table) before a second try.

Each query word is matched as a prefix (from three letters), so active search finds
"pand" before the learner has typed "pandas". All words must match; when nothing
matches all of them, close spellings (trigram similarity on PostgreSQL, the index's
vocabulary on SQLite), then any word.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from .models import Resource, Skill, Track
from .snapshot import ResourceNode, SkillNode

MAX_QUERY_LENGTH = 100
MAX_WORDS = 8
DEFAULT_LIMIT = 20
# Shorter words are not taken for misspellings: their few trigrams or letters are close
# to too much ("a" to a tenth of the catalog's titles, at 18 ms on PostgreSQL).
CORRECTED_LENGTH = 4

# A word, with any dots inside it: "2.3" and "node.js" stay whole, as both databases'
# tokenizers take them.
_WORD_RE = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")


def query_words(query: str) -> list[str]:
    """The words of a query: case and punctuation ignored ("K-Means!" is k, means)."""
    words = _WORD_RE.findall(query[:MAX_QUERY_LENGTH].casefold())
    return list(dict.fromkeys(words))[:MAX_WORDS]


def search_skills(query: str, *, limit: int = DEFAULT_LIMIT) -> list[int]:
    """Ids of the published skills matching `query`, best first, at most `limit`.

    Runs one query for a query that matches, at most three for one that does not (and
    on SQLite, with a word the index lacks, one reading the index's vocabulary), and none
    for an empty one, whatever the catalog's size.
    """
    words = query_words(query)
    if not words:
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(words, limit)
    return _search_sqlite(words, limit)


# -- PostgreSQL ----------------------------------------------------------------------------
#
# Raw SQL: the ORM has no model for the search table (migration 0008 creates it on
# PostgreSQL only, with the triggers that keep it, as FTS5's table exists on SQLite only),
# and the ORM spent about 6 ms compiling the query this replaced (this one: 0.1-0.2 ms
# of Python in all, tools/bench/search_speed.py).
# Table names come from the models' _meta, values are parameters.

PG_CONFIG = "english"
# The document matches; its rank, with these weights for its parts D (summary), C
# (resources), B (track) and A (title and aliases), orders the skills matched outside
# their title and aliases: track, then resources, then summary. A weighs nothing there,
# as title and aliases have ranks of their own, each divided by its length, so that the
# shorter ranks first: the title and aliases (by 1 + the log of their length) put "Large
# language models" (alias LLM) above "Evaluating language models" (LLM-as-a-judge) for
# "LLM"; the title (by its length), "Neural networks" above "Graph neural networks". One
# rank over the whole document would not: a title match saturates it near 1.
PG_WEIGHTS = [0.1, 0.2, 0.4, 0.0]
PG_RANK = (
    "ts_rank(%s::real[], d.document, q) + 10 * ts_rank(d.head, q, 1) + 30 * ts_rank(d.title, q, 2)"
)


def _tsquery(words: Iterable[str], operator: str) -> str:
    # Words are letters and digits (dots inside), so quoting each makes a valid tsquery.
    return f" {operator} ".join(f"'{w}':*" if len(w) >= 3 else f"'{w}'" for w in words)


def _search_postgres(words: list[str], limit: int) -> list[int]:
    ids = _postgres_ranked(_tsquery(words, "&"), limit)
    if not ids and any(len(w) >= CORRECTED_LENGTH for w in words):  # a misspelling
        ids = _postgres_close(words, limit)
    if not ids and len(words) > 1:
        ids = _postgres_ranked(_tsquery(words, "|"), limit)
    return ids


def _postgres_ranked(tsquery: str, limit: int) -> list[int]:
    """The published skills whose document matches, best first (the GIN index answers)."""
    q = connection.ops.quote_name
    search, skill, track = q(fts_table()), q(Skill._meta.db_table), q(Track._meta.db_table)
    sql = (
        f"SELECT s.id FROM to_tsquery(%s::regconfig, %s) AS q, {search} AS d"  # noqa: S608  # nosec B608  # identifiers from _meta; values are parameters
        f" JOIN {skill} AS s ON s.id = d.skill_id JOIN {track} AS t ON t.id = s.track_id"
        f" WHERE d.document @@ q AND s.is_published"
        f' ORDER BY {PG_RANK} DESC, t."order", s."order" LIMIT %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [PG_CONFIG, tsquery, PG_WEIGHTS, limit])
        return [row[0] for row in cursor.fetchall()]


def _postgres_close(words: list[str], limit: int) -> list[int]:
    """The published skills whose title or aliases hold a close spelling of the query,
    closest first: pg_trgm's word similarity, through the trigram index (the function and
    its threshold: migration 0008)."""
    q = connection.ops.quote_name
    close = q(f"{fts_table()}_close")
    skill, track = q(Skill._meta.db_table), q(Track._meta.db_table)
    sql = (
        f"SELECT s.id FROM {close}(%s) AS c"  # noqa: S608  # nosec B608  # as above
        f" JOIN {skill} AS s ON s.id = c.skill_id JOIN {track} AS t ON t.id = s.track_id"
        f' WHERE s.is_published ORDER BY c.similarity DESC, t."order", s."order" LIMIT %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [" ".join(words), limit])
        return [row[0] for row in cursor.fetchall()]


# -- SQLite --------------------------------------------------------------------------------
#
# Raw SQL: the ORM has no FTS5 virtual table, MATCH, bm25() or trigger. Table names come
# from the models' _meta, never typed by hand.

# bm25 weight per column, in the table's column order: title, aliases, track, resources,
# summary. Title and aliases outweigh everything, so they rank first.
FTS_COLUMNS = ("title", "aliases", "track", "resources", "summary")
FTS_WEIGHTS = (10.0, 10.0, 2.0, 3.0, 1.0)
CLOSE_MATCHES = 3
CLOSE_CUTOFF = 0.75


def fts_table() -> str:
    return f"{Skill._meta.db_table}_search"


def fts_vocab_table() -> str:
    return f"{fts_table()}_vocab"


def _fts_term(word: str) -> str:
    return f'"{word}"*' if len(word) >= 3 else f'"{word}"'


def _search_sqlite(words: list[str], limit: int) -> list[int]:
    groups = [[_fts_term(w)] for w in words]
    ids = _sqlite_query(groups, "AND", limit)
    if ids:
        return ids
    corrections = _corrections(words)
    if corrections:
        groups = [[_fts_term(w), *(f'"{c}"' for c in corrections.get(w, []))] for w in words]
        ids = _sqlite_query(groups, "AND", limit)
    if not ids and len(words) > 1:
        ids = _sqlite_query(groups, "OR", limit)
    return ids


def _sqlite_query(groups: list[list[str]], operator: str, limit: int) -> list[int]:
    match = f" {operator} ".join("(" + " OR ".join(group) + ")" for group in groups)
    fts = connection.ops.quote_name(fts_table())
    skill = connection.ops.quote_name(Skill._meta.db_table)
    track = connection.ops.quote_name(Track._meta.db_table)
    weights = ", ".join(str(w) for w in FTS_WEIGHTS)
    sql = (
        f"SELECT s.id FROM {fts} JOIN {skill} AS s ON s.id = {fts}.rowid"  # noqa: S608  # nosec B608  # identifiers from _meta; values are parameters
        f" JOIN {track} AS t ON t.id = s.track_id"
        f" WHERE {fts} MATCH %s AND s.is_published"
        f' ORDER BY bm25({fts}, {weights}), t."order", s."order" LIMIT %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, limit])
        return [row[0] for row in cursor.fetchall()]


def _vocabulary() -> tuple[list[str], set[str]]:
    """The index's terms, read for a query with a word the index lacks (fts5vocab scans
    the index: 1.3 ms for today's 2,400 terms, so it is not kept between requests)."""
    vocab = connection.ops.quote_name(fts_vocab_table())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term FROM {vocab}")  # noqa: S608  # nosec B608  # _meta name
        terms = [row[0] for row in cursor.fetchall()]
    return terms, set(terms)


def _corrections(words: list[str]) -> dict[str, list[str]]:
    """Close words from the index's vocabulary for each query word it does not hold."""
    terms, known = _vocabulary()
    corrections = {}
    for word in words:
        if len(word) < CORRECTED_LENGTH or word in known:
            continue
        # A simple misspelling keeps its first letter and about its length; comparing
        # only those terms keeps this a few milliseconds on a catalog ten times today's.
        near = [t for t in terms if t[:1] == word[:1] and abs(len(t) - len(word)) <= 3]
        scored = []
        for term in difflib.get_close_matches(word, near, n=CLOSE_MATCHES, cutoff=CLOSE_CUTOFF):
            scored.append((difflib.SequenceMatcher(None, word, term).ratio(), term))
        if scored:
            # Only the closest: "pandsa" means pandas, not also pandera.
            best = max(score for score, _ in scored)
            corrections[word] = [term for score, term in scored if score >= best - 0.01]
    return corrections


TRIGGERS = (
    "skill_ai",
    "skill_au",
    "skill_ad",
    "track_au",
    "resource_ai",
    "resource_au",
    "resource_ad",
)


def _trigger_name(name: str) -> str:
    return f"{fts_table()}_{name}"


def drop_sqlite_triggers(conn: BaseDatabaseWrapper | None = None) -> None:
    """Before a migrate: SQLite refuses to drop a column a trigger names (and drops a
    rebuilt table's triggers anyway), so migrations run without them."""
    conn = conn or connection
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {conn.ops.quote_name(_trigger_name(name))}")


def install_sqlite_index(conn: BaseDatabaseWrapper | None = None) -> None:
    """Create the FTS5 table and its triggers if missing, and fill it from the catalog.

    Runs after every `migrate` (catalog/apps.py), which drops the triggers first (see
    drop_sqlite_triggers); the index is refilled from scratch (a few milliseconds for
    the whole catalog).
    """
    conn = conn or connection
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        tables = conn.introspection.table_names(cursor)
        if Skill._meta.db_table not in tables:
            return  # migrated back before the catalog existed
        present = {
            c.name
            for c in conn.introspection.get_table_description(cursor, Resource._meta.db_table)
        }
        if not {"author", "provider"} <= present:
            return  # migrated back before search's fields
    q = conn.ops.quote_name
    fts, vocab = q(fts_table()), q(fts_vocab_table())
    skill, track, resource = (
        q(Skill._meta.db_table),
        q(Track._meta.db_table),
        q(Resource._meta.db_table),
    )
    columns = ", ".join(FTS_COLUMNS)

    def document(where: str) -> str:
        """Insert the search rows of the skills `where` selects (s is the skill)."""
        return (
            f"INSERT INTO {fts}(rowid, {columns})"  # nosec B608  # trigger SQL, no user input
            f" SELECT s.id, s.title, s.aliases, t.title,"
            f" (SELECT group_concat(r.title || ' ' || r.author || ' ' || r.provider, ' ')"
            f"  FROM {resource} AS r WHERE r.skill_id = s.id),"
            f" s.summary FROM {skill} AS s JOIN {track} AS t ON t.id = s.track_id"
            f" WHERE {where};"
        )

    def refresh(skill_id: str) -> str:
        delete = f"DELETE FROM {fts} WHERE rowid = {skill_id};"  # nosec B608  # trigger SQL
        return f"{delete} {document(f's.id = {skill_id}')}"

    triggers = {
        "skill_ai": f"AFTER INSERT ON {skill} BEGIN {refresh('NEW.id')} END",
        "skill_au": (
            f"AFTER UPDATE OF title, aliases, summary, track_id ON {skill}"
            f" BEGIN {refresh('OLD.id')} {refresh('NEW.id')} END"
        ),
        "skill_ad": f"AFTER DELETE ON {skill} BEGIN {refresh('OLD.id')} END",
        "track_au": (
            f"AFTER UPDATE OF title ON {track} BEGIN"  # nosec B608  # trigger SQL, no user input
            f" DELETE FROM {fts} WHERE rowid IN (SELECT id FROM {skill} WHERE track_id = NEW.id);"
            f" {document('s.track_id = NEW.id')} END"
        ),
        "resource_ai": f"AFTER INSERT ON {resource} BEGIN {refresh('NEW.skill_id')} END",
        "resource_au": (
            f"AFTER UPDATE OF title, author, provider, skill_id ON {resource}"
            f" BEGIN {refresh('OLD.skill_id')} {refresh('NEW.skill_id')} END"
        ),
        "resource_ad": f"AFTER DELETE ON {resource} BEGIN {refresh('OLD.skill_id')} END",
    }
    with conn.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({columns},"
            f" tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} USING fts5vocab({fts}, 'row')")
        assert set(triggers) == set(TRIGGERS)  # noqa: S101  # nosec B101  # names kept in step
        for name, body in triggers.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {q(_trigger_name(name))} {body}")
        cursor.execute(f"DELETE FROM {fts}")  # noqa: S608  # nosec B608  # a _meta name
        cursor.execute(document("1"))


# -- what matched, for the results page ---------------------------------------------------
#
# Computed from the in-memory catalog, so showing why a skill matched costs no query and
# reads the same on both databases. Text comes back as (text, marked) pieces: the
# template marks them up, and escapes them.

SNIPPET_LENGTH = 220
CLOSE_WORD = 0.8

Pieces = list[tuple[str, bool]]


@dataclass(frozen=True)
class Match:
    """Why a skill matched: its summary's best sentence, aliases, and a resource."""

    skill: SkillNode
    snippet: Pieces
    aliases: list[Pieces]
    resource: ResourceNode | None = None
    resource_title: Pieces = field(default_factory=list)
    resource_byline: Pieces = field(default_factory=list)


def _word_matches(word: str, words: list[str]) -> bool:
    """Whether a word of the text is one of the query's, begins with one, or is close to
    one (a misspelling in the query, another form of the word: same first letter)."""
    word = word.casefold()
    for wanted in words:
        if word == wanted or (len(wanted) >= 3 and word.startswith(wanted)):
            return True
        if len(wanted) >= 4 and word[:1] == wanted[:1] and abs(len(word) - len(wanted)) <= 3:
            close = difflib.SequenceMatcher(None, word, wanted)
            if close.quick_ratio() >= CLOSE_WORD and close.ratio() >= CLOSE_WORD:
                return True
    return False


def highlight(text: str, words: list[str]) -> Pieces:
    """`text` cut into pieces, each word that matches a query word marked."""
    pieces: Pieces = []
    start = 0
    for found in _WORD_RE.finditer(text):
        if _word_matches(found.group(), words):
            if found.start() > start:
                pieces.append((text[start : found.start()], False))
            pieces.append((found.group(), True))
            start = found.end()
    if start < len(text):
        pieces.append((text[start:], False))
    return pieces


def _marked(pieces: Pieces) -> bool:
    return any(marked for _, marked in pieces)


def _snippet(summary: str, words: list[str]) -> Pieces:
    sentences = re.split(r"(?<=[.!?])\s+", summary.strip())
    chosen = next(
        (s for s in sentences if _marked(highlight(s, words))), sentences[0] if sentences else ""
    )
    if len(chosen) > SNIPPET_LENGTH:
        chosen = chosen[:SNIPPET_LENGTH].rsplit(" ", 1)[0] + "…"
    return highlight(chosen, words)


def describe(skill: SkillNode, query: str) -> Match:
    """What of `skill` matched `query`: marked summary, aliases, the first resource."""
    words = query_words(query)
    aliases = [pieces for a in skill.aliases if _marked(pieces := highlight(a, words))]
    match = Match(skill=skill, snippet=_snippet(skill.summary, words), aliases=aliases)
    for resource in skill.resources:
        title = highlight(resource.title, words)
        byline = highlight(
            ", ".join(part for part in (resource.author, resource.provider) if part), words
        )
        if _marked(title) or _marked(byline):
            return Match(
                skill=skill,
                snippet=match.snippet,
                aliases=aliases,
                resource=resource,
                resource_title=title,
                resource_byline=byline,
            )
    return match
