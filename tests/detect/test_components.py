"""connected_components: which new hotspots and existing incidents are one fire."""

from __future__ import annotations

from geoops.detect.components import Component, connected_components


def _shape(components: list[Component]) -> list[tuple[list[int], set[int]]]:
    """Order-free view: (sorted hotspots, incidents), sorted by first hotspot."""
    return sorted((sorted(c.hotspots), c.incidents) for c in components)


def test_no_hotspots_no_components() -> None:
    assert connected_components([], []) == []


def test_unlinked_hotspots_stand_alone() -> None:
    assert _shape(connected_components([3, 1, 2], [])) == [
        ([1], set()),
        ([2], set()),
        ([3], set()),
    ]


def test_hotspot_links_chain_transitively() -> None:
    links = [(1, "h", 2), (2, "h", 3), (5, "h", 6)]
    assert _shape(connected_components([1, 2, 3, 4, 5, 6], links)) == [
        ([1, 2, 3], set()),
        ([4], set()),
        ([5, 6], set()),
    ]


def test_hotspot_joins_the_incident_it_touches() -> None:
    assert _shape(connected_components([1, 2], [(1, "i", 10)])) == [
        ([1], {10}),
        ([2], set()),
    ]


def test_a_bridge_gathers_every_incident_it_touches() -> None:
    links = [(1, "i", 10), (1, "i", 20), (2, "i", 30), (1, "h", 2)]
    assert _shape(connected_components([1, 2], links)) == [([1, 2], {10, 20, 30})]


def test_two_hotspots_on_one_incident_are_one_component() -> None:
    links = [(1, "i", 10), (2, "i", 10)]
    assert _shape(connected_components([1, 2], links)) == [([1, 2], {10})]


def test_hotspot_and_incident_ids_live_in_separate_namespaces() -> None:
    # hotspot 10 and incident 10 are different nodes
    links = [(1, "i", 10)]
    assert _shape(connected_components([1, 10], links)) == [([1], {10}), ([10], set())]


def test_every_hotspot_appears_exactly_once_in_input_order() -> None:
    ids = list(range(1, 51))
    links = [(i, "h", i + 1) for i in range(1, 50, 2)] + [(i, "i", 100 + i % 3) for i in ids[::7]]
    components = connected_components(ids, links)
    flat = [h for c in components for h in c.hotspots]
    assert sorted(flat) == ids
    assert all(c.hotspots == sorted(c.hotspots) for c in components)


def test_duplicate_and_reversed_links_change_nothing() -> None:
    links = [(1, "h", 2), (2, "h", 1), (1, "h", 2), (2, "i", 7), (2, "i", 7)]
    assert _shape(connected_components([1, 2], links)) == [([1, 2], {7})]


def test_links_may_come_from_a_generator() -> None:
    links = ((h, "h", h + 1) for h in range(1, 4))
    assert _shape(connected_components(iter([1, 2, 3, 4]), links)) == [([1, 2, 3, 4], set())]
