"""TeX math in Markdown written by users: found before Markdown reads the text, drawn as
MathML (which browsers render natively: no JavaScript, nothing for the CSP to allow).

`$$…$$` is display math, `$…$` inline math, with pandoc's rules, so prices stay text: an
opening `$` has a non-space character right after it, a closing `$` a non-space
character right before it and no digit right after it ("$5 and $10" is text), and
neither spans a blank line. `\\$` is a literal dollar. Nothing inside code (a code span,
a fenced or an indented code block) is math.

Math is taken out before Markdown parses blocks and inline markup, so `d_k` and `*` in
it reach the TeX converter untouched. The MathML goes back in through Markdown's stash
and, like everything else in the note, through the sanitiser in tracker/markdown.py:
this module's output is never trusted on its own (latex2mathml copies `\\text{…}` and
`\\href{…}` through as they were written).
"""

from __future__ import annotations

import html
import re
from xml.etree.ElementTree import tostring  # nosec B405  # serialises a tree it built; parses nothing

from latex2mathml.converter import convert_to_element
from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

# Alternatives tried left to right at each position: a code span is skipped whole (so
# "`$x$`" stays code), then an escaped dollar, then display math, then inline math. None
# runs over a blank line: Markdown ends a paragraph there.
_SCAN = re.compile(
    r"""
    (?P<code>(?<!`)(?P<ticks>`++)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`))
    | (?P<escaped>\\\$)
    | \$\$(?P<display>(?:\\.|(?!\n[ \t]*\n)[^\\$])+?)\$\$
    | \$(?![\s$])(?P<inline>(?:\\.|(?!\n[ \t]*\n)[^\\$])+?)(?<![\s\\])\$(?!\d)
    """,
    re.VERBOSE | re.DOTALL,
)
_LIST_ITEM = re.compile(r" {0,3}(?:[*+-]|\d{1,9}[.)])[ \t]")
# TeX longer than this is left as text: no formula in a note needs more, and the
# converter's time grows with it.
MAX_TEX = 5_000


def _indented_code(lines: list[str]) -> set[int]:
    """The indexes of the lines Markdown will read as an indented code block: indented by
    four spaces or a tab after a blank line, outside a list (where such a line continues
    the item)."""
    code: set[int] = set()
    in_code, in_list, after_blank = False, False, True
    for i, line in enumerate(lines):
        if not line.strip():
            after_blank = True
            continue
        indented = line.startswith(("    ", "\t"))
        if indented and (in_code or (after_blank and not in_list)):
            in_code = True
            code.add(i)
        else:
            in_code = False
            if not indented:
                in_list = bool(_LIST_ITEM.match(line)) or (in_list and not after_blank)
        after_blank = False
    return code


def to_mathml(tex: str, *, display: bool) -> str | None:
    """MathML for this TeX, or None if the converter cannot read it."""
    try:
        root = convert_to_element(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001  # a user's typo (or a RecursionError) is not a 500
        return None
    # The converter keeps symbols as character references in its text ("&#x0003C;") and
    # un-escapes its whole output, so a "<" a user typed would come out as markup. Its
    # references are turned into characters here, and ElementTree escapes the text.
    for element in root.iter():
        element.text = html.unescape(element.text) if element.text else element.text
        element.tail = html.unescape(element.tail) if element.tail else element.tail
    root.attrib.pop("xmlns", None)  # HTML puts <math> in the MathML namespace itself
    return tostring(root, encoding="unicode")


def _replace_math(text: str, stash: Markdown) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["code"]:
            return match[0]
        if match["escaped"]:
            return "$"
        tex = match["display"] if match["display"] is not None else match["inline"]
        mathml = None
        if len(tex) <= MAX_TEX:
            mathml = to_mathml(tex.strip(), display=match["display"] is not None)
        # Stashed either way: what could not be drawn stays as typed, with its dollars,
        # and Markdown does not read its underscores as emphasis.
        return stash.htmlStash.store(mathml if mathml is not None else html.escape(match[0]))

    return _SCAN.sub(replace, text)


class _MathPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        code = _indented_code(lines)
        out: list[str] = []
        prose: list[str] = []
        for i, line in enumerate(lines):
            if i in code:
                if prose:
                    out.extend(_replace_math("\n".join(prose), self.md).split("\n"))
                    prose = []
                out.append(line)
            else:
                prose.append(line)
        if prose:
            out.extend(_replace_math("\n".join(prose), self.md).split("\n"))
        return out


class MathExtension(Extension):
    """`$…$` and `$$…$$` as MathML. Runs after fenced code blocks are set aside (25) and
    before Markdown reads anything else."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802  # Markdown's name
        md.preprocessors.register(_MathPreprocessor(md), "tex_math", 24)
        # Markdown counts <math> as a block and would take a paragraph holding only a
        # formula out of its <p>; inline math stays in its paragraph, and display math
        # draws as a block inside one all the same.
        md.block_level_elements = [t for t in md.block_level_elements if t != "math"]
