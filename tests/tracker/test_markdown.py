"""The filter every text a user writes goes through (notes, feedback, write-ups, bios):
Markdown and TeX math in, sanitised HTML and MathML out."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.markdown import ALLOWED_TAGS, MATHML_TAGS, render_markdown


def tags_in(html: str) -> set[str]:
    return {name.lower() for name in re.findall(r"<([a-zA-Z][a-zA-Z0-9-]*)", html)}


# -- Markdown, sanitised ---------------------------------------------------------------------


def test_it_renders_markdown() -> None:
    html = render_markdown("# Title\n\n**bold** and `code`\n\n- one\n- two")
    assert "<h3>Title</h3>" in html
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<li>one</li>" in html


def test_nothing_one_text_defines_reaches_the_next() -> None:
    """An abbreviation, a footnote or a formula of one text stays out of the next."""
    first = render_markdown(
        "The HTML spec[^1], $x^2$.\n\n*[HTML]: Hyper Text Markup Language\n\n[^1]: A note."
    )
    assert '<abbr title="Hyper Text Markup Language">HTML</abbr>' in first and "<math" in first
    second = render_markdown("Plain HTML here[^1].\n\n[^1]: Another.")
    assert "<abbr" not in second and "<math" not in second and "A note." not in second
    assert ">1</a></sup>" in second  # footnotes are numbered afresh


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://example.com></iframe>",
        '<p style="position:fixed">x</p>',
    ],
)
def test_it_removes_scripts_handlers_and_javascript_links(text: str) -> None:
    html = render_markdown(text)
    assert not {"script", "img", "iframe"} & tags_in(html)
    assert "javascript:" not in html and "onerror" not in html and "style=" not in html


def test_links_are_marked_nofollow() -> None:
    html = render_markdown("[docs](https://example.com/)")
    assert 'href="https://example.com/"' in html and "nofollow" in html


# -- TeX math ----------------------------------------------------------------------------------


def test_display_math_becomes_mathml_with_its_subscripts_intact() -> None:
    html = render_markdown(r"$$softmax(QK^T/\sqrt{d_k})V$$")
    assert '<math display="block">' in html
    assert "<msqrt>" in html
    # d_k is a subscript, not the start of Markdown emphasis
    assert "<msub><mi>d</mi><mi>k</mi></msub>" in html
    assert "<em>" not in html and "$" not in html


def test_inline_math_stays_in_its_sentence() -> None:
    html = render_markdown(r"The loss $\mathcal{L} = a * b * c$ falls, *fast*.")
    assert html.startswith('<p>The loss <math display="inline">')
    assert "<mo>*</mo>" in html  # the stars inside math are operators...
    assert html.count("<em>") == 1  # ...and only the one outside is emphasis
    assert "</math> falls, <em>fast</em>.</p>" in html


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10.",
        "Between $20,000 and $30,000 a year.",
        "$ 5 and 10 $",
        "A lone $ sign.",
    ],
)
def test_dollars_in_prose_stay_text(text: str) -> None:
    html = render_markdown(text)
    assert "<math" not in html
    assert html == f"<p>{text}</p>"


def test_an_escaped_dollar_is_a_dollar() -> None:
    assert render_markdown(r"Pay \$5, not \$x\$.") == "<p>Pay $5, not $x$.</p>"


@pytest.mark.parametrize(
    "text",
    [
        "Use `$x$` as is.",
        "```\n$x$ in a fence\n```",
        "A paragraph.\n\n    $x$ in an indented block",
    ],
)
def test_math_inside_code_stays_code(text: str) -> None:
    html = render_markdown(text)
    assert "<math" not in html and "$x$" in html and "<code>" in html


def test_math_in_a_list_item_continued_after_a_blank_line_is_math() -> None:
    html = render_markdown("- first\n\n    then $x^2$")
    assert "<msup>" in html and "<pre>" not in html


def test_math_does_not_run_over_a_blank_line() -> None:
    html = render_markdown("$a\n\nb$")
    assert "<math" not in html and html.count("<p>") == 2


def test_tex_the_converter_cannot_read_stays_as_typed() -> None:
    html = render_markdown(r"Broken $x^$ and $y_$ here")
    assert "<math" not in html
    assert html == "<p>Broken $x^$ and $y_$ here</p>"


def test_text_inside_math_is_escaped_not_markup() -> None:
    html = render_markdown(r"$\text{a <b> & <script>alert(1)</script>}$")
    assert "<mtext>a&nbsp;&lt;b&gt;" in html
    assert "<script" not in html and "<b>" not in html


def test_math_gets_no_links_colours_or_huge_spaces() -> None:
    html = render_markdown(r"$\href{javascript:alert(1)}{x} \color{red}{y} \hspace{9999em} z$")
    assert "<math" in html
    assert "href" not in html and "javascript" not in html
    assert "mathcolor" not in html and "9999" not in html


def test_mathml_written_by_hand_is_sanitised_too() -> None:
    html = render_markdown(
        '<math><mi onclick="alert(1)" style="color:red" href="https://x">x</mi>'
        "<mtext><img src=x onerror=alert(1)></mtext></math>"
    )
    assert "<mi>x</mi>" in html
    assert "onclick" not in html and "style" not in html and "href" not in html
    assert "<img" not in html


def test_math_allows_mathml_elements_and_nothing_else_new() -> None:
    """Every tag the filter lets through is either one of the Markdown tags it always
    allowed or a MathML element."""
    text = (
        r"$$\begin{pmatrix}1&2\\3&4\end{pmatrix} \frac{a}{b} \sqrt[3]{x} \sum_{i=1}^n x_i"
        r" \hat{y} \overbrace{abc} \underline{u} \boxed{b} \phantom{p} \text{t}$$"
    )
    html = render_markdown(text)
    assert tags_in(html) - {"p"} <= MATHML_TAGS
    assert {"mtable", "mfrac", "mroot", "munderover", "mover"} <= tags_in(html)


@pytest.mark.slow  # hypothesis
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("$\\`_*{}^ ax1\n<>&/"), max_size=80))
def test_any_mix_of_dollars_and_markdown_renders_safely(text: str) -> None:
    html = render_markdown(text)
    assert tags_in(html) <= ALLOWED_TAGS | MATHML_TAGS
    assert "<script" not in html and "href" not in html


@pytest.mark.slow  # long inputs, timed
@pytest.mark.parametrize(
    "text",
    [
        "`" * 20_000,
        "$a" * 10_000,
        "$$a" * 6_600,
        "".join("`" * k + " " for k in range(2, 190)),
        ("$$" + r"\frac{a}{b}" * 100 + "$$ ") * 16,
        "$" + "{" * 3_000 + "x" + "}" * 3_000 + "$",
    ],
)
def test_a_longest_note_of_dollars_or_backticks_renders_quickly(text: str) -> None:
    started = time.perf_counter()
    render_markdown(text[:20_000])
    assert time.perf_counter() - started < 1.5
