"""Search on /catalog/?q=: results show why they matched, escaped; odd input answers a
page; the index follows every change, admin's bulk actions included; the cost stays
fixed. The table of queries on the real curriculum: test_search_ranking.py.

Run it on both databases: `pytest tests/catalog/test_search*.py`, and again with
DATABASE_URL=postgres://... ."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Resource, Skill, Track
from catalog.snapshot import forget_catalog
from tests.helpers import make_catalog
from tracker.progress.services import progress_set_status


def ranked(client: Client, query: str) -> list[str]:
    """The skills the results page lists for `query`, in its order."""
    response = client.get("/catalog/", {"q": query})
    assert response.status_code == 200
    section = response.content.decode().split('id="search-results"')[1].split("</section>")[0]
    return re.findall(r'<h3 class="skill-title"><a href="/skills/([^/]+)/">', section)


# -- a small catalog of our own -------------------------------------------------------------


@pytest.mark.django_db
def test_the_snippet_marks_the_words_found_in_the_summary(client: Client, catalog) -> None:
    Skill.objects.filter(slug="skill-1-2").update(
        summary="Tables in Python. Use pandas to clean messy data quickly."
    )
    forget_catalog()
    html = client.get("/catalog/", {"q": "messy"}).content.decode()
    assert "Use pandas to clean <mark>messy</mark> data quickly." in html
    # The skill's track, level and hours.
    hit = html.split('href="/skills/skill-1-2/"')[1].split("</li>")[0]
    assert 'href="/catalog/track-1/">Track 1</a>' in hit
    assert "Beginner" in hit and "4 h" in hit


@pytest.mark.django_db
def test_markup_in_the_query_and_in_the_catalog_is_escaped(client: Client, catalog) -> None:
    Skill.objects.filter(slug="skill-1-1").update(
        title="Skill <b>bold</b>", summary="Learn a & b <em>alerts</em> safely. Yes."
    )
    forget_catalog()
    html = client.get("/catalog/", {"q": "alerts"}).content.decode()
    assert "<em>" not in html
    assert "Learn a &amp; b &lt;em&gt;<mark>alerts</mark>&lt;/em&gt; safely." in html
    assert "Skill &lt;b&gt;bold&lt;/b&gt;" in html
    html = client.get("/catalog/", {"q": "<script>alert"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "“&lt;script&gt;alert”" in html  # the query, echoed, escaped


@pytest.mark.django_db
def test_a_signed_in_learner_sees_their_status_on_each_result(
    client: Client, alice, catalog
) -> None:
    progress_set_status(user=alice, skill_id=catalog[1].pk, status="learning")
    client.force_login(alice)
    html = client.get("/catalog/", {"q": "skill 1.2"}).content.decode()
    hit = html.split('href="/skills/skill-1-2/"')[1].split("</li>")[0]
    assert 'class="status status-learning">Learning</span>' in hit


@pytest.mark.django_db
def test_search_finds_skills_by_title_and_summary(client: Client, catalog) -> None:
    assert ranked(client, "skill 2.3") == ["skill-2-3"]
    assert "1 skill matches “skill 2.3”" in client.get("/catalog/?q=skill+2.3").content.decode()
    assert len(ranked(client, "IT MATTERS")) == 6
    assert "6 skills match “IT MATTERS”" in client.get("/catalog/?q=IT+MATTERS").content.decode()
    assert "Nothing matches" in client.get("/catalog/", {"q": "quantum"}).content.decode()


@pytest.mark.django_db
def test_title_matches_rank_before_resource_and_summary_matches(client: Client, catalog) -> None:
    Skill.objects.filter(slug="skill-1-1").update(summary="Boosting everywhere. Boosting.")
    Resource.objects.filter(skill__slug="skill-1-2").update(title="Boosting, the book")
    Skill.objects.filter(slug="skill-2-3").update(title="Boosting")
    forget_catalog()
    assert ranked(client, "boosting")[0] == "skill-2-3"
    assert set(ranked(client, "boosting")) == {"skill-1-1", "skill-1-2", "skill-2-3"}


@pytest.mark.django_db
def test_unpublished_skills_are_not_found(client: Client, catalog) -> None:
    Skill.objects.filter(slug="skill-1-2").update(is_published=False)
    forget_catalog()
    assert "skill-1-2" not in ranked(client, "skill 1.2")


@pytest.mark.django_db
def test_the_plain_form_works_without_javascript(client: Client, catalog) -> None:
    html = client.get("/catalog/", {"q": "skill 1.2"}).content.decode()
    assert '<form method="get" action="/catalog/"' in html
    assert 'name="q" value="skill 1.2"' in html
    assert "<html" in html


@pytest.mark.django_db
def test_active_search_answers_a_fragment(client: Client, alice, catalog) -> None:
    client.force_login(alice)
    response = client.get(
        "/catalog/?q=1.2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="search-results"')
    assert 'href="/skills/skill-1-2/"' in html
    assert 'class="status status-todo">To do</span>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "x" * 5000,
        "a\x00b",
        "!!! ??? ...",
        '"unbalanced',
        "NEAR(skill one) AND OR NOT *",
        "skill:* & | ! ( )",
        "title: skill",
        "'; DROP TABLE catalog_skill; --",
        "🙂 ünïcödé",
        "\\",
        " ".join(f"w{i}" for i in range(50)),
    ],
)
def test_odd_queries_answer_a_page_never_an_error(client: Client, catalog, query: str) -> None:
    response = client.get("/catalog/", {"q": query})
    assert response.status_code == 200
    assert Skill.objects.count() == 6


@pytest.mark.django_db
def test_several_q_parameters_use_the_last(client: Client, catalog) -> None:
    response = client.get("/catalog/?q=quantum&q=skill+2.3")
    assert response.status_code == 200


# -- the index follows every change ---------------------------------------------------------


@pytest.mark.django_db
def test_the_index_follows_queryset_updates_creates_and_deletes(client: Client, catalog) -> None:
    # queryset.update (what admin's bulk actions use) reaches no save hook.
    Skill.objects.filter(slug="skill-1-3").update(aliases="MLOps, model ops")
    forget_catalog()
    assert ranked(client, "mlops") == ["skill-1-3"]

    Resource.objects.bulk_create(
        [
            Resource(
                skill=catalog[4],
                title="A lecture",
                url="https://example.org/lecture",
                kind="video",
                minutes=60,
                author="Grace Hopper",
                provider="Navy Press",
            )
        ]
    )
    forget_catalog()
    assert ranked(client, "hopper") == ["skill-2-2"]
    assert ranked(client, "navy press") == ["skill-2-2"]

    Resource.objects.filter(url="https://example.org/lecture").update(skill=catalog[0])
    forget_catalog()
    assert ranked(client, "hopper") == ["skill-1-1"]

    Resource.objects.filter(url="https://example.org/lecture").update(author="Ada Lovelace")
    forget_catalog()
    assert ranked(client, "lovelace") == ["skill-1-1"]
    assert ranked(client, "hopper") == []

    Resource.objects.filter(url="https://example.org/lecture").delete()
    forget_catalog()
    assert ranked(client, "hopper") == []

    Track.objects.filter(slug="track-2").update(title="Deployment")
    forget_catalog()
    assert set(ranked(client, "deployment")) == {"skill-2-1", "skill-2-2", "skill-2-3"}

    Skill.objects.filter(slug="skill-2-1").delete()
    forget_catalog()
    assert set(ranked(client, "deployment")) == {"skill-2-2", "skill-2-3"}


@pytest.mark.django_db
def test_admin_edits_and_bulk_actions_reach_search(
    admin_client: Client, client: Client, django_capture_on_commit_callbacks
) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/catalog/skill/", {"action": "unpublish", "_selected_action": [s1.pk, s2.pk]}
        )
    assert ranked(client, "skill") == []
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/catalog/skill/", {"action": "publish", "_selected_action": [s2.pk]}
        )
    assert ranked(client, "skill") == ["skill-1-2"]

    from tests.catalog.test_admin import form_data

    url = f"/admin/catalog/skill/{s2.pk}/change/"
    data = form_data(admin_client.get(url))
    data["aliases"] = "XGBoost, boosted trees"
    data["resources-0-author"] = "Tianqi Chen"
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302
    assert ranked(client, "xgboost") == ["skill-1-2"]
    assert ranked(client, "tianqi") == ["skill-1-2"]


# -- cost -------------------------------------------------------------------------------------


def queries_for(client: Client, query: str) -> int:
    client.get("/catalog/", {"q": query})  # this process's catalog copy, built
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/catalog/", {"q": query}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["skill", "skil 1.2", "nothing at all matches", "zzzzqqq"])
def test_search_runs_the_same_few_queries_at_any_catalog_size(
    client: Client, alice, query: str
) -> None:
    client.force_login(alice)
    make_catalog(tracks=1, skills_per_track=3)
    small = queries_for(client, query)
    make_catalog(tracks=8, skills_per_track=30)
    large = queries_for(client, query)
    assert small == large <= 8, (small, large)


@pytest.mark.django_db
def test_postgres_keeps_one_search_row_per_skill_and_its_indexes(catalog) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's search table; SQLite has its FTS5 table")
    from catalog.search import fts_table

    table = fts_table()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT skill_id FROM {connection.ops.quote_name(table)}")
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(s.pk for s in catalog)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        assert {row[0] for row in cursor.fetchall()} == {
            f"{table}_pkey",
            f"{table}_document",
            f"{table}_names",
        }
        # Migration 0005's expression indexes are gone with the expressions they served.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN (%s, %s, %s)",
            ["skill_search_head", "skill_search_summary", "resource_search"],
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_postgres_answers_a_search_from_the_documents_gin_index() -> None:
    """One query, which the GIN index on the stored document answers: no vector is
    computed at search time."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's GIN index")
    from catalog.search import fts_table, search_skills

    make_catalog(tracks=8, skills_per_track=30)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(fts_table())}")
    wanted = Skill.objects.get(slug="skill-3-7").pk
    with CaptureQueriesContext(connection) as ctx:
        assert search_skills("skill 3.7")[:1] == [wanted]
    assert len(ctx.captured_queries) == 1
    with connection.cursor() as cursor:
        # At 240 rows reading the table (or by its key) can be cheaper; without those
        # paths, the plan shows that the index can answer the query as written. At ten
        # times today's catalog the planner chooses it on its own.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = explain(ctx.captured_queries[0]["sql"])
    assert f"Bitmap Index Scan on {fts_table()}_document" in plan, plan
    assert "to_tsvector" not in plan, plan


@pytest.mark.django_db
def test_postgres_finds_misspellings_from_the_trigram_index(catalog) -> None:
    """The close spellings come from a function whose own settings hold pg_trgm's
    threshold and keep the planner on the trigram index (migration 0008)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's trigram index")
    from catalog.search import fts_table, search_skills

    with CaptureQueriesContext(connection) as ctx:
        assert search_skills("skyll 2.3")[:1] == [catalog[5].pk]  # "skill", misspelled
    assert len(ctx.captured_queries) == 2  # every word, then close spellings
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = %s", [f"{fts_table()}_close"])
        settings = cursor.fetchone()[0]
        assert "pg_trgm.word_similarity_threshold=0.3" in settings
        for setting in settings:  # the function's query, under the function's settings
            name, value = setting.split("=")
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    table = connection.ops.quote_name(fts_table())
    plan = explain(f"SELECT skill_id FROM {table} WHERE names %> 'skyll 2 3'")
    assert f"Bitmap Index Scan on {fts_table()}_names" in plan, plan


@pytest.mark.django_db
def test_postgres_rebuilds_the_search_table_after_a_truncate(client: Client, catalog) -> None:
    """Django's flush (transactional tests) empties the tables with TRUNCATE, which
    fires no row trigger."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's TRUNCATE triggers")
    assert len(ranked(client, "docs")) == 6  # every resource is "Docs for ..."
    with connection.cursor() as cursor:
        # TRUNCATE refuses to run with deferred foreign key checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        table = connection.ops.quote_name(Resource._meta.db_table)
        cursor.execute(f"TRUNCATE {table} CASCADE")  # undone with the test's transaction
    forget_catalog()
    assert ranked(client, "docs") == []
    assert ranked(client, "skill 1.2") == ["skill-1-2"]


@pytest.mark.django_db
def test_migrate_puts_back_triggers_a_table_rebuild_dropped(client: Client, catalog) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 triggers; PostgreSQL's are migration 0008's")
    from catalog.search import fts_table, install_sqlite_index

    # What SQLite does to a table's triggers when a migration rebuilds the table.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER "{fts_table()}_skill_au"')
    Skill.objects.filter(slug="skill-1-1").update(title="Compilers")
    assert ranked(client, "compilers") == []
    install_sqlite_index(connection)  # what every migrate runs (catalog/apps.py)
    assert ranked(client, "compilers") == ["skill-1-1"]
    Skill.objects.filter(slug="skill-1-1").update(title="Interpreters")
    assert ranked(client, "interpreters") == ["skill-1-1"]


@pytest.mark.slow  # three migrate runs in a subprocess
def test_migrations_run_back_and_forth_around_the_sqlite_triggers(tmp_path) -> None:
    """SQLite refuses to drop a column a trigger names: migrate drops the search triggers
    first and puts them back after (catalog/apps.py)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for args in (["migrate"], ["migrate", "catalog", "0001"], ["migrate"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *args, "-v0"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow  # a scratch database, six manage.py runs in a subprocess
def test_migrations_run_back_and_forth_around_the_postgres_search_table() -> None:
    """Migration 0008 fills the search table from the skills already there; going back
    drops it and puts 0005's indexes back."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's search table")
    import os
    import subprocess
    import sys

    import psycopg

    db = connection.settings_dict
    server = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"]}
    server["password"] = db["PASSWORD"]
    scratch = f"{db['NAME']}_migrations_{os.getpid()}"
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{scratch}"
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", *args, "-v0"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]

    def ask(sql: str) -> object:
        with psycopg.connect(dbname=scratch, **server) as scratch_db:
            row = scratch_db.execute(sql).fetchone()
            return row[0] if row else None

    old_index = "SELECT count(*) FROM pg_indexes WHERE indexname = 'skill_search_head'"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        manage("migrate", "catalog", "0007")
        manage("createcachetable")
        manage("load_curriculum")
        assert ask(old_index) == 1
        manage("migrate")
        skills = ask("SELECT count(*) FROM catalog_skill")
        assert skills and ask("SELECT count(*) FROM catalog_skill_search") == skills
        assert ask(old_index) == 0
        manage("migrate", "catalog", "0007")
        assert ask("SELECT to_regclass('catalog_skill_search')") is None
        assert ask(old_index) == 1
        manage("migrate")
        assert ask("SELECT count(*) FROM catalog_skill_search") == skills
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
