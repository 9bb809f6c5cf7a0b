"""connected_components: which new evidence rows and existing incidents are one fire."""

from __future__ import annotations

import numpy as np

from geoops.detect.components import Component, Pairs, connected_components, no_pairs


def pairs(*edges: tuple[int, int]) -> Pairs:
    return np.array(edges, dtype=np.int64).reshape(-1, 2)


def _shape(components: list[Component]) -> list[tuple[list[int], set[int]]]:
    return [(c.rows, c.incidents) for c in components]


def test_no_items_no_components() -> None:
    assert connected_components(0, no_pairs(), no_pairs()) == []


def test_unlinked_rows_stand_alone_in_order() -> None:
    assert _shape(connected_components(3, no_pairs(), no_pairs())) == [
        ([0], set()),
        ([1], set()),
        ([2], set()),
    ]


def test_links_chain_transitively() -> None:
    links = pairs((0, 1), (1, 2), (4, 5))
    assert _shape(connected_components(6, links, no_pairs())) == [
        ([0, 1, 2], set()),
        ([3], set()),
        ([4, 5], set()),
    ]


def test_a_row_joins_the_incident_it_touches() -> None:
    assert _shape(connected_components(2, no_pairs(), pairs((0, 10)))) == [([0], {10}), ([1], set())]


def test_a_bridge_gathers_every_incident_it_touches() -> None:
    joins = pairs((0, 10), (0, 20), (1, 30))
    assert _shape(connected_components(2, pairs((0, 1)), joins)) == [([0, 1], {10, 20, 30})]


def test_two_rows_on_one_incident_are_one_component() -> None:
    assert _shape(connected_components(2, no_pairs(), pairs((0, 10), (1, 10)))) == [([0, 1], {10})]


def test_incident_ids_and_row_numbers_are_different_nodes() -> None:
    # incident 1 is not row 1
    assert _shape(connected_components(3, no_pairs(), pairs((0, 1)))) == [
        ([0], {1}),
        ([1], set()),
        ([2], set()),
    ]


def test_components_come_in_the_order_of_their_first_row() -> None:
    links = pairs((3, 0), (2, 4))
    assert _shape(connected_components(5, links, pairs((4, 7)))) == [
        ([0, 3], set()),
        ([1], set()),
        ([2, 4], {7}),
    ]


def test_every_row_appears_exactly_once_in_ascending_order() -> None:
    links = pairs(*[(n, n + 1) for n in range(0, 49, 2)])
    joins = pairs(*[(n, 100 + n % 3) for n in range(0, 50, 7)])
    components = connected_components(50, links, joins)
    flat = [row for c in components for row in c.rows]
    assert sorted(flat) == list(range(50))
    assert all(c.rows == sorted(c.rows) for c in components)
    assert set().union(*(c.incidents for c in components)) == {100, 101, 102}


def test_duplicate_and_reversed_links_change_nothing() -> None:
    links = pairs((0, 1), (1, 0), (0, 1))
    assert _shape(connected_components(2, links, pairs((1, 7), (1, 7)))) == [([0, 1], {7})]
