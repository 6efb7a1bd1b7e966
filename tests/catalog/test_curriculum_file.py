"""The shipped curriculum covers every area the seed documents name, at the promised depth."""

import re

import pytest

from catalog.curriculum import parse_curriculum
from catalog.models import MAX_HOURS

# Each area of ../shared/seeds (as DESIGN.md lists them) and the skills that cover it.
# Removing one of these from the file fails the build: the catalog must keep covering it.
SEED_AREAS = {
    "mathematics and statistics": [
        "linear-algebra",
        "calculus",
        "multivariate-calculus",
        "probability",
        "statistics",
        "probability-distributions",
        "optimization",
        "statistical-learning-theory",
    ],
    "programming": [
        "python",
        "r-programming",
        "java",
        "data-structures",
        "algorithms",
        "complexity-analysis",
        "operating-systems",
        "clean-code",
        "version-control",
    ],
    "data": [
        "data-collection",
        "data-cleaning",
        "missing-values",
        "outliers",
        "data-preprocessing",
        "feature-engineering",
        "pandas",
        "numpy",
        "data-visualisation",
        "matplotlib",
        "seaborn",
    ],
    "machine-learning algorithms": [
        "supervised-learning",
        "unsupervised-learning",
        "reinforcement-learning",
        "neural-networks",
        "scikit-learn",
        "tensorflow",
        "pytorch",
    ],
    "evaluation and model selection": [
        "evaluation-metrics",
        "held-out-data",
        "cross-validation",
        "model-bias-fairness",
        "overfitting-underfitting",
        "hyperparameter-tuning",
        "model-selection",
    ],
    "LLM engineering (issue 15)": [
        "large-language-models",
        "vector-databases",
        "retrieval-augmented-generation",
        "llm-agents",
        "llm-evaluation",
        "gpu-cost",
        "llm-serving",
        "llm-observability-guardrails",
    ],
    "ML lifecycle and deployment": [
        "problem-framing",
        "ml-lifecycle",
        "model-serving-apis",
        "scaling-ml-systems",
        "model-monitoring",
        "retraining",
    ],
    "practical experience": [
        "personal-projects",
        "kaggle-competitions",
        "open-source-contributions",
        "internships",
    ],
    "portfolio": [
        "documenting-projects",
        "code-repositories",
        "portfolio-visualisations",
        "reporting-metrics",
        "collaborative-work",
        "personal-site-blog",
    ],
    "community and networking": ["online-communities", "conferences-meetups"],
    "education and certifications": ["online-courses-bootcamps", "vendor-certifications"],
    "soft skills": ["communication", "teamwork"],
}


@pytest.fixture(scope="module")
def curriculum():
    return parse_curriculum()


@pytest.mark.parametrize("area", SEED_AREAS)
def test_it_covers_each_seed_area(curriculum, area: str) -> None:
    slugs = {skill.slug for skill in curriculum.skills}
    missing = [slug for slug in SEED_AREAS[area] if slug not in slugs]
    assert not missing, f"{area}: the curriculum lost {missing}"


def test_it_is_big_enough(curriculum) -> None:
    links = sum(len(skill.prerequisites) for skill in curriculum.skills)
    assert len(curriculum.tracks) >= 10
    assert len(curriculum.skills) >= 90
    assert links >= 150


def test_every_skill_is_documented_for_a_learner(curriculum) -> None:
    for skill in curriculum.skills:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", skill.summary) if s.strip()]
        assert len(sentences) >= 2, f"{skill.slug}: the summary needs two or more sentences"
        assert skill.hours > 0
        assert len(skill.resources) >= 2, f"{skill.slug} needs two resources or more"
        for resource in skill.resources:
            assert resource.url.startswith("https://"), f"{skill.slug}: {resource.url}"


def test_every_track_has_skills(curriculum) -> None:
    used = {skill.track for skill in curriculum.skills}
    assert [t.slug for t in curriculum.tracks if t.slug not in used] == []


def test_every_resource_names_its_provider(curriculum) -> None:
    """Search finds resources by who publishes them ("MIT OpenCourseWare", "Kaggle")."""
    missing = [
        f"{skill.slug}: {resource.url}"
        for skill in curriculum.skills
        for resource in skill.resources
        if not resource.provider
    ]
    assert missing == []


def test_well_known_authors_and_aliases_are_searchable(curriculum) -> None:
    authors = {r.author for skill in curriculum.skills for r in skill.resources}
    assert {"Andrew Ng", "Grant Sanderson", "Chip Huyen"} <= authors
    assert "Gareth James, Daniela Witten, Trevor Hastie, Robert Tibshirani" in authors
    aliases = {a.casefold() for skill in curriculum.skills for a in skill.aliases}
    assert {"mlops", "k-means", "kmeans", "cnn", "llm", "rag", "xgboost"} <= aliases


def test_hours_are_within_the_bounds_for_each_level(curriculum) -> None:
    over = [
        f"{skill.slug}: {skill.hours} h for a {skill.level} skill"
        for skill in curriculum.skills
        if not 1 <= skill.hours <= MAX_HOURS[skill.level]
    ]
    assert over == []


def test_the_education_track_is_a_small_share_of_the_total(curriculum) -> None:
    """Degrees and internships are milestones: their study is counted in other skills."""
    total = sum(skill.hours for skill in curriculum.skills)
    education = sum(skill.hours for skill in curriculum.skills if skill.track == "education")
    assert education <= total * 0.05


def test_one_address_stands_for_one_title(curriculum) -> None:
    """A chapter of a book is the book's address with the chapter in `section`."""
    titles: dict[str, set[str]] = {}
    for skill in curriculum.skills:
        for resource in skill.resources:
            titles.setdefault(resource.url, set()).add(resource.title)
    assert {url: t for url, t in titles.items() if len(t) > 1} == {}


def test_prerequisites_come_earlier_in_the_learning_order(curriculum) -> None:
    """Tracks and skills are in learning order, so nothing needs what comes after it."""
    tracks = {track.slug: track.order for track in curriculum.tracks}
    position = {skill.slug: (tracks[skill.track], skill.order) for skill in curriculum.skills}
    later = [
        f"{skill.slug} needs {slug}"
        for skill in curriculum.skills
        for slug in skill.prerequisites
        if position[slug] > position[skill.slug]
    ]
    assert later == []


def test_an_introduction_needs_only_what_it_truly_needs(curriculum) -> None:
    skills = {skill.slug: skill for skill in curriculum.skills}

    def everything_before(slug: str) -> set[str]:
        seen: set[str] = set()
        todo = list(skills[slug].prerequisites)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += skills[name].prerequisites
        return seen

    assert everything_before("machine-learning-basics") == set()
    assert "supervised-learning" not in everything_before("scikit-learn")
    assert "sequence-models" not in everything_before("transformers")
    assert "transformers" not in everything_before("hugging-face-ecosystem")
