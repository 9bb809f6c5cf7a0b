"""Units of sensor readings: each spelling maps to one canonical unit and a conversion.

Canonical units are ASCII: ``degC``, ``ug/m3``, ``ppm``, ``ppb``, ``%``, ``m/s``, ``hPa``.
Mass concentrations (µg/m³) and mixing ratios (ppm) are different quantities and stay
apart: converting one into the other needs the gas and the air's temperature.
A unit that is not listed is kept as given, so no reading is lost; the anomaly rules only
look at readings in the unit they are written for.
"""

from __future__ import annotations

from collections.abc import Callable

Convert = Callable[[float], float]


def _same(value: float) -> float:
    return value


def _fahrenheit(value: float) -> float:
    return (value - 32.0) * 5.0 / 9.0


def _kelvin(value: float) -> float:
    return value - 273.15


def _times(factor: float) -> Convert:
    return lambda value: value * factor


_SPELLINGS: dict[tuple[str, Convert], tuple[str, ...]] = {
    ("degC", _same): ("c", "°c", "degc", "deg_c", "celsius", "℃"),
    ("degC", _fahrenheit): ("f", "°f", "degf", "deg_f", "fahrenheit", "℉"),
    ("degC", _kelvin): ("k", "kelvin"),
    ("ug/m3", _same): ("ug/m3", "ugm3", "ug/m^3", "microgram/m3", "micrograms/m3"),
    ("ug/m3", _times(1000.0)): ("mg/m3", "mg/m^3"),
    ("ppm", _same): ("ppm",),
    ("ppb", _same): ("ppb",),
    ("%", _same): ("%", "percent", "%rh", "pct"),
    ("m/s", _same): ("m/s", "mps", "m s-1"),
    ("m/s", _times(1 / 3.6)): ("km/h", "kmh", "kph"),
    ("hPa", _same): ("hpa", "mbar", "mb"),
    ("hPa", _times(0.01)): ("pa",),
}
UNITS: dict[str, tuple[str, Convert]] = {
    spelling: target for target, spellings in _SPELLINGS.items() for spelling in spellings
}


def unit_key(unit: str) -> str:
    """How a unit is looked up: lower case, micro signs as ``u``, ``³`` as ``3``, no spaces."""
    key = unit.strip().lower().replace("µ", "u").replace("μ", "u").replace("³", "3")
    return key if key == "m s-1" else key.replace(" ", "")


def normalise(unit: str, value: float) -> tuple[str, float]:
    """The canonical unit and the value converted to it; an unknown unit is kept as given."""
    known = UNITS.get(unit_key(unit))
    if known is None:
        return unit.strip(), value
    canonical, convert = known
    return canonical, convert(value)
