"""Connected components of the link graph: which hotspots and incidents are one fire."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Component:
    hotspots: list[int] = field(default_factory=list)
    incidents: set[int] = field(default_factory=set)


def connected_components(
    hotspot_ids: Iterable[int], links: Iterable[tuple[int, str, int]]
) -> list[Component]:
    """Group new hotspots by links ``(hotspot, 'h', hotspot)`` and ``(hotspot, 'i', incident)``.

    A union-find over nodes keyed ``('h', id)`` and ``('i', id)``; every hotspot ends up in
    exactly one component, alone if nothing links it.
    """
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, kind, b in links:
        root_a, root_b = find(("h", a)), find((kind, b))
        if root_a != root_b:
            parent[root_b] = root_a
    groups: dict[tuple[str, int], Component] = {}
    for hotspot in hotspot_ids:
        groups.setdefault(find(("h", hotspot)), Component()).hotspots.append(hotspot)
    for node in list(parent):
        if node[0] == "i" and find(node) in groups:
            groups[find(node)].incidents.add(node[1])
    return list(groups.values())
