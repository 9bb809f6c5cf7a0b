"""Connected components of the link graph: which evidence and incidents are one fire."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

Node = tuple[str, int]
"""``('h', hotspot id)``, ``('r', report id)``, ``('a', sensor alarm id)`` or ``('i', incident id)``."""

INCIDENT = "i"


@dataclass
class Component:
    items: list[Node] = field(default_factory=list)
    incidents: set[int] = field(default_factory=set)


def connected_components(items: Iterable[Node], links: Iterable[tuple[Node, Node]]) -> list[Component]:
    """Group new evidence ``items`` by ``links`` between items, or from an item to an incident.

    A union-find over the nodes; every item ends up in exactly one component, alone if
    nothing links it, and components list items in input order.
    """
    parent: dict[Node, Node] = {}

    def find(node: Node) -> Node:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in links:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[root_b] = root_a
    groups: dict[Node, Component] = {}
    for item in items:
        groups.setdefault(find(item), Component()).items.append(item)
    for node in list(parent):
        if node[0] == INCIDENT and find(node) in groups:
            groups[find(node)].incidents.add(node[1])
    return list(groups.values())
