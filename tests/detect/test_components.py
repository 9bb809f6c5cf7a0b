"""connected_components: which new evidence and existing incidents are one fire."""

from __future__ import annotations

from geoops.detect.components import Component, Node, connected_components


def h(i: int) -> Node:
    return ("h", i)


def i(n: int) -> Node:
    return ("i", n)


def _shape(components: list[Component]) -> list[tuple[list[Node], set[int]]]:
    """Order-free view: (sorted items, incidents), sorted by first item."""
    return sorted((sorted(c.items), c.incidents) for c in components)


def test_no_items_no_components() -> None:
    assert connected_components([], []) == []


def test_unlinked_items_stand_alone() -> None:
    assert _shape(connected_components([h(3), h(1), h(2)], [])) == [
        ([h(1)], set()),
        ([h(2)], set()),
        ([h(3)], set()),
    ]


def test_links_chain_transitively() -> None:
    links = [(h(1), h(2)), (h(2), h(3)), (h(5), h(6))]
    assert _shape(connected_components([h(n) for n in range(1, 7)], links)) == [
        ([h(1), h(2), h(3)], set()),
        ([h(4)], set()),
        ([h(5), h(6)], set()),
    ]


def test_an_item_joins_the_incident_it_touches() -> None:
    assert _shape(connected_components([h(1), h(2)], [(h(1), i(10))])) == [([h(1)], {10}), ([h(2)], set())]


def test_a_bridge_gathers_every_incident_it_touches() -> None:
    links = [(h(1), i(10)), (h(1), i(20)), (h(2), i(30)), (h(1), h(2))]
    assert _shape(connected_components([h(1), h(2)], links)) == [([h(1), h(2)], {10, 20, 30})]


def test_two_items_on_one_incident_are_one_component() -> None:
    assert _shape(connected_components([h(1), h(2)], [(h(1), i(10)), (h(2), i(10))])) == [
        ([h(1), h(2)], {10})
    ]


def test_kinds_live_in_separate_namespaces() -> None:
    # hotspot 10, report 10 and incident 10 are different nodes
    items = [h(1), h(10), ("r", 10)]
    assert _shape(connected_components(items, [(h(1), i(10))])) == [
        ([h(1)], {10}),
        ([h(10)], set()),
        ([("r", 10)], set()),
    ]


def test_a_report_and_an_alarm_bridge_hotspots_into_one_fire() -> None:
    items = [h(1), ("r", 5), ("a", 7), h(2)]
    links = [(("r", 5), h(1)), (("a", 7), ("r", 5)), (h(2), ("a", 7))]
    assert _shape(connected_components(items, links)) == [([("a", 7), h(1), h(2), ("r", 5)], set())]


def test_every_item_appears_exactly_once_in_input_order() -> None:
    ids = list(range(1, 51))
    links = [(h(n), h(n + 1)) for n in range(1, 50, 2)] + [(h(n), i(100 + n % 3)) for n in ids[::7]]
    components = connected_components([h(n) for n in ids], links)
    flat = [node[1] for c in components for node in c.items]
    assert sorted(flat) == ids
    assert all(c.items == sorted(c.items) for c in components)


def test_duplicate_and_reversed_links_change_nothing() -> None:
    links = [(h(1), h(2)), (h(2), h(1)), (h(1), h(2)), (h(2), i(7)), (h(2), i(7))]
    assert _shape(connected_components([h(1), h(2)], links)) == [([h(1), h(2)], {7})]


def test_links_may_come_from_a_generator() -> None:
    links = ((h(n), h(n + 1)) for n in range(1, 4))
    assert _shape(connected_components(iter([h(n) for n in range(1, 5)]), links)) == [
        ([h(1), h(2), h(3), h(4)], set())
    ]
