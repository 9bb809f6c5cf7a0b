"""Layer definitions: ``layers/*.yaml`` files naming a layer, its data file and attribution."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from geoops.errors import UnusableInput


@dataclass(frozen=True)
class LayerDefinition:
    name: str
    title: str
    file: Path
    description: str | None = None
    attribution: str | None = None
    public: bool = False  # readable without a login (open data only)


def read_definitions(folder: Path) -> list[LayerDefinition]:
    """Every ``*.yaml`` definition in ``folder``, with its data file resolved beside it."""
    if not folder.is_dir():
        raise UnusableInput(f"no layer folder at {folder}")
    found = []
    for path in sorted(folder.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            found.append(
                LayerDefinition(
                    name=spec["name"],
                    title=spec.get("title", spec["name"]),
                    file=(path.parent / spec["file"]).resolve(),
                    description=spec.get("description"),
                    attribution=spec.get("attribution"),
                    public=bool(spec.get("public", False)),
                )
            )
        except (KeyError, TypeError) as exc:
            raise UnusableInput(f"{path.name}: a layer definition needs 'name' and 'file'") from exc
    return found
