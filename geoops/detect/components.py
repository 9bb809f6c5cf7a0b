"""Connected components of the link graph: which evidence and incidents are one fire."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components as graph_components

Node = tuple[str, int]
"""``('h', hotspot id)``, ``('r', report id)``, ``('a', sensor alarm id)`` or ``('i', incident id)``."""

INCIDENT = "i"


@dataclass
class Component:
    items: list[Node] = field(default_factory=list)
    incidents: set[int] = field(default_factory=set)


def connected_components(items: Iterable[Node], links: Iterable[tuple[Node, Node]]) -> list[Component]:
    """Group new evidence ``items`` by ``links`` between items, or from an item to an incident.

    Every item ends up in exactly one component, alone if nothing links it; components
    list items in input order and come in the order of their first item.
    """
    items, links = list(items), list(links)
    number = {node: n for n, node in enumerate(items)}
    for a, b in links:  # incidents get numbers after the items
        number.setdefault(a, len(number))
        number.setdefault(b, len(number))
    pairs = np.array([(number[a], number[b]) for a, b in links], dtype=np.int64).reshape(-1, 2)
    graph = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(number), len(number)))
    _, labels = graph_components(graph, directed=False)
    groups: dict[int, Component] = {}
    for n, item in enumerate(items):
        groups.setdefault(int(labels[n]), Component()).items.append(item)
    for node, n in number.items():
        if node[0] == INCIDENT and int(labels[n]) in groups:
            groups[int(labels[n])].incidents.add(node[1])
    return list(groups.values())
