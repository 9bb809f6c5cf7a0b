"""Connected components of the link graph: which evidence and incidents are one fire."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components as graph_components

Pairs = NDArray[np.int64]
"""``(k, 2)`` integer pairs: two evidence rows, or an evidence row and an incident id."""


@dataclass
class Component:
    rows: list[int] = field(default_factory=list)  # evidence rows, ascending
    incidents: set[int] = field(default_factory=set)


def no_pairs() -> Pairs:
    return np.empty((0, 2), dtype=np.int64)


def cluster_labels(count: int, links: Pairs) -> NDArray[np.int64]:
    """The connected component of each row ``0 .. count - 1`` under ``links`` alone (the
    new items linked among themselves), numbered from 0."""
    graph = coo_array((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(count, count))
    return np.asarray(graph_components(graph, directed=False)[1], dtype=np.int64)


def connected_components(count: int, links: Pairs, joins: Pairs) -> list[Component]:
    """Group evidence rows ``0 .. count - 1`` by ``links`` between rows and ``joins`` of a
    row to an incident id.

    Every row ends up in exactly one component, alone if nothing links it; components list
    rows in ascending order and come in the order of their first row. Done on arrays: a
    pass has thousands of rows and tens of thousands of links.
    """
    if not count:
        return []
    incidents, incident_of = np.unique(joins[:, 1], return_inverse=True)
    heads = np.concatenate([links[:, 0], joins[:, 0]])
    tails = np.concatenate([links[:, 1], count + incident_of.reshape(-1)])  # incidents after the rows
    size = count + len(incidents)
    graph = coo_array((np.ones(len(heads)), (heads, tails)), shape=(size, size))
    _, labels = graph_components(graph, directed=False)
    # scipy numbers components in the order of their lowest node, so every label of a
    # component with rows (all of them: incidents come only through joins) is a row's
    row_labels = labels[:count]
    order = np.argsort(row_labels, kind="stable")
    starts = np.flatnonzero(np.diff(row_labels[order], prepend=-1))
    components = [Component(rows=group.tolist()) for group in np.split(order, starts[1:])]
    first_label = row_labels[order[starts]]
    position = dict(zip(first_label.tolist(), range(len(components)), strict=True))
    for incident, label in zip(incidents.tolist(), labels[count:].tolist(), strict=True):
        components[position[label]].incidents.add(incident)
    return components
