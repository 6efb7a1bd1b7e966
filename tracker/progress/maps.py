"""The prerequisite map of a track: a layered drawing computed here, written as SVG by
the template (templates/browse/track_map.html).

The layout is the classic layered one (Sugiyama), in a few dozen lines:

1. each skill's row is the longest chain of prerequisites inside the track above it, so
   every arrow points down;
2. an arrow that spans several rows passes through a waypoint in each row between, which
   takes a slot of its own: no arrow is drawn through a skill;
3. each row is ordered to keep crossings few: starting from curriculum order, rows are
   re-sorted by the mean position of their neighbours (the barycentre), sweeping down and
   up, and the ordering with the fewest crossings is kept;
4. slots become coordinates, each row from the left edge (a phone shows the beginning).

Prerequisites from other tracks are not drawn as nodes: each skill lists them as stubs.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

NODE_WIDTH = 196
NODE_HEIGHT = 64
TITLE_CHARACTERS = 23  # a line of a node's title at the map's font size
STUB_HEIGHT = 18  # one line per prerequisite from another track
COLUMN = 216  # a slot's width: a node and the gap beside it
ROW_GAP = 64  # between the bottom of the tallest node in a row and the next row
MARGIN = 16
SWEEPS = 8


@dataclass
class Node:
    id: int
    row: int = 0
    slot: float = 0.0
    x: int = 0
    y: int = 0
    height: int = NODE_HEIGHT
    stubs: list = field(default_factory=list)  # what the template shows for other tracks


@dataclass
class Edge:
    source: int  # the prerequisite
    target: int
    points: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Layout:
    nodes: dict[int, Node]
    edges: list[Edge]
    width: int
    height: int
    crossings: int


def layout(
    order: list[int],
    prerequisites: Mapping[int, Iterable[int]],
    stubs: Mapping[int, list] | None = None,
) -> Layout:
    """Lay out the skills `order` (curriculum order), where `prerequisites[s]` are the
    skills of `order` that s needs first; `stubs[s]` rides along for the template and
    makes the node taller by a line each."""
    inside = set(order)
    needs = {s: [p for p in prerequisites.get(s, ()) if p in inside] for s in order}

    # 1. rows: the longest chain of prerequisites above each skill.
    row: dict[int, int] = {}

    def row_of(skill: int, seen: frozenset[int] = frozenset()) -> int:
        if skill not in row:
            if skill in seen:  # a cycle cannot be saved (admin refuses one); draw it flat
                return 0
            row[skill] = max((row_of(p, seen | {skill}) + 1 for p in needs[skill]), default=0)
        return row[skill]

    for skill in order:
        row_of(skill)
    rows: list[list[int]] = [[] for _ in range(max(row.values(), default=-1) + 1)]
    for skill in order:
        rows[row[skill]].append(skill)

    # 2. waypoints: an arrow crossing rows gets a slot in each row between (negative ids).
    chains: list[tuple[int, int, list[int]]] = []  # (prerequisite, skill, the waypoints)
    below: dict[int, list[int]] = {}  # for ordering: each slot's neighbours, either way
    above: dict[int, list[int]] = {}
    next_id = -1
    for skill in order:
        for prerequisite in needs[skill]:
            waypoints = []
            for between in range(row[prerequisite] + 1, row[skill]):
                waypoints.append(next_id)
                rows[between].append(next_id)
                next_id -= 1
            path = [prerequisite, *waypoints, skill]
            for a, b in zip(path, path[1:], strict=False):
                below.setdefault(a, []).append(b)
                above.setdefault(b, []).append(a)
            chains.append((prerequisite, skill, waypoints))

    # 3. order each row by barycentre, keeping the ordering with the fewest crossings.
    best = [list(r) for r in rows]
    fewest = _crossings(best, below)
    current = [list(r) for r in rows]
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for i in indices:
            reference = current[i - 1] if downward else current[i + 1]
            current[i] = _by_barycentre(current[i], reference, above if downward else below)
        count = _crossings(current, below)
        if count < fewest:
            best, fewest = [list(r) for r in current], count
            if not count:
                break

    # 4. coordinates: rows start at the left; each is as tall as its tallest node.
    # Arrows leave a node straight down to the bottom of its row, cross the gap between
    # rows, pass each row between through their waypoint's slot top to bottom, and enter
    # the skill at the top of its row: inside a row they only run in their own column.
    stubs = stubs or {}
    widest = max((len(r) for r in best), default=0)
    nodes: dict[int, Node] = {}
    centre: dict[int, int] = {}
    band: list[tuple[int, int]] = []  # each row's top and bottom
    y = MARGIN
    for r in best:
        offset = 0  # rows start at the left: a phone shows the start of the map first
        tallest = NODE_HEIGHT
        for n, slot in enumerate(r):
            x = MARGIN + round((offset + n) * COLUMN)
            centre[slot] = x + NODE_WIDTH // 2
            if slot >= 0:
                mine = stubs.get(slot, [])
                height = NODE_HEIGHT + len(mine) * STUB_HEIGHT
                nodes[slot] = Node(slot, row[slot], offset + n, x, y, height, mine)
                tallest = max(tallest, height)
        band.append((y, y + tallest))
        y += tallest + ROW_GAP
    edges = []
    for prerequisite, skill, waypoints in chains:
        start, end = nodes[prerequisite], nodes[skill]
        points = [
            (centre[prerequisite], start.y + start.height),
            (centre[prerequisite], band[start.row][1]),
        ]
        for passed, waypoint in enumerate(waypoints, start=start.row + 1):
            top, bottom = band[passed]
            points += [(centre[waypoint], top), (centre[waypoint], bottom)]
        points.append((centre[skill], end.y))
        edges.append(Edge(prerequisite, skill, points))
    width = MARGIN * 2 + max(0, widest - 1) * COLUMN + NODE_WIDTH if widest else 0
    return Layout(nodes, edges, width, y - ROW_GAP + MARGIN if best else 0, fewest)


def title_lines(title: str) -> list[str]:
    """A skill's title on at most two lines of a node (SVG text does not wrap)."""
    lines = textwrap.wrap(title, TITLE_CHARACTERS)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), TITLE_CHARACTERS, placeholder="…")]
    return lines


def _by_barycentre(
    slots: list[int], reference: list[int], neighbours: Mapping[int, list[int]]
) -> list[int]:
    """The row sorted by the mean position of each slot's neighbours in the reference row
    (a slot without any keeps its place)."""
    position = {slot: n for n, slot in enumerate(reference)}
    here = {slot: n for n, slot in enumerate(slots)}

    def barycentre(slot: int) -> tuple[float, int]:
        linked = [position[n] for n in neighbours.get(slot, []) if n in position]
        return (sum(linked) / len(linked) if linked else float(here[slot]), here[slot])

    return sorted(slots, key=barycentre)


def _crossings(rows: list[list[int]], below: Mapping[int, list[int]]) -> int:
    """How many pairs of arrows cross between consecutive rows."""
    total = 0
    for upper, lower in zip(rows, rows[1:], strict=False):
        position = {slot: n for n, slot in enumerate(lower)}
        pairs = [
            (i, position[b]) for i, a in enumerate(upper) for b in below.get(a, []) if b in position
        ]
        for n, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[n + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total
