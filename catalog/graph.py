"""The prerequisite graph: skills point at the skills they require, and it stays acyclic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

Node = TypeVar("Node", str, int)  # a slug in the curriculum file, an id in the admin


def find_cycle(edges: Mapping[Node, Iterable[Node]]) -> list[Node] | None:
    """Return one cycle as a path that starts and ends on the same node, or None.

    `edges` maps a node to the nodes it requires. Iterative depth-first search, so a
    long chain of prerequisites cannot hit Python's recursion limit.
    """
    white, grey, black = 0, 1, 2
    colour: dict[Node, int] = {}
    for root in sorted(edges):
        if colour.get(root, white) != white:
            continue
        path: list[Node] = [root]
        stack = [iter(sorted(edges.get(root, ())))]
        colour[root] = grey
        while stack:
            node = next(stack[-1], None)
            if node is None:
                stack.pop()
                colour[path.pop()] = black
                continue
            state = colour.get(node, white)
            if state == grey:
                return path[path.index(node) :] + [node]
            if state == white:
                colour[node] = grey
                path.append(node)
                stack.append(iter(sorted(edges.get(node, ()))))
    return None


def describe_cycle(cycle: list[str]) -> str:
    return " → ".join(cycle)
