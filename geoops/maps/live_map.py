"""The dispatcher's live map: a folium page whose layers update from ``/api/v1/events``,
with the caller's alerts beside it (alerts.js, from ``/api/v1/alerts/stream``).

Leaflet comes from the npm package that setup installs and geoops serves under
``/static/vendor/leaflet``; no CDN is touched, so the page works offline. The base map
is the regions and lakes registry layers, plus an XYZ tile layer when configured.
"""

from __future__ import annotations

import html
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

VENDOR = "/static/vendor/leaflet"
OWN = "/static/geoops"


class LiveLayers(MacroElement):
    """Starts geoops' live layers (live.js) on the map it is added to."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "geoopsLive({{ this._parent.get_name() }}, {{ this.options | tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "GeoopsLiveLayers"
        self.options = options


def render_live_map(
    *, basemap_url: str | None = None, title: str = "geoops — live map", user: str = "", role: str = ""
) -> str:
    """The full HTML of the live map page; ``role`` decides which alert actions it offers."""
    fmap = folium.Map(location=[62.0, 100.0], zoom_start=3, tiles=None, control_scale=True)
    fmap.default_js = [
        ("leaflet", f"{VENDOR}/leaflet.js"),
        ("geoops_live", f"{OWN}/live.js"),
        ("geoops_alerts", f"{OWN}/alerts.js"),
    ]
    fmap.default_css = [
        ("leaflet_css", f"{VENDOR}/leaflet.css"),
        ("geoops_css", f"{OWN}/live.css"),
        ("geoops_alerts_css", f"{OWN}/alerts.css"),
    ]
    if basemap_url:
        folium.TileLayer(basemap_url, attr="basemap", name="Base map").add_to(fmap)
    root: Any = fmap.get_root()
    root.header.add_child(Element(f"<title>{title}</title>"), name="title")
    root.header.add_child(Element(f'<link rel="icon" href="{OWN}/favicon.svg">'), name="icon")
    panel = _PANEL.replace("{role}", html.escape(role, quote=True)).replace("{user}", html.escape(user))
    root.html.add_child(Element(panel), name="geoops_panel")
    LiveLayers(
        {
            "events": "/api/v1/events",
            "incidents": "/api/v1/incidents",
            "hotspots": "/api/v1/hotspots",
            "reports": "/api/v1/reports",
            "stations": "/api/v1/stations",
            "layers": "/api/v1/layers",
            "baseLayers": ["regions", "lakes"],
        }
    ).add_to(fmap)
    return str(root.render())


_PANEL = """
<div class="geoops-side">
<div id="geoops-panel" class="geoops-panel">
  <div class="geoops-title">geoops <span id="geoops-live" class="geoops-badge">connecting…</span>
    <span class="geoops-user">{user} · <a href="#" id="geoops-logout">log out</a></span></div>
  <div><b id="geoops-incident-count">0</b> incidents
       (<span id="geoops-confirmed-count">0</span> confirmed) ·
       <b id="geoops-hotspot-count">0</b> hotspots</div>
  <div class="geoops-muted">last event: <span id="geoops-last-event">—</span></div>
  <ol id="geoops-latest" class="geoops-latest"></ol>
  <div class="geoops-legend">
    <span class="sw critical"></span>critical <span class="sw high"></span>high
    <span class="sw medium"></span>medium <span class="sw low"></span>low
    <span class="sw hotspot"></span>hotspot <span class="sw report"></span>report
    <span class="sw station"></span>station
  </div>
</div>
<section id="geoops-alerts" class="geoops-alerts" data-role="{role}" data-crews="true"
         aria-labelledby="alerts-heading">
  <h2 id="alerts-heading">Alerts
    <span class="alerts-count"><span id="alerts-unacked">0</span><span class="sr-only"> unacknowledged</span></span>
    <span id="alerts-live" class="alerts-live">connecting…</span></h2>
  <p id="alerts-empty" class="alerts-empty">No alerts.</p>
  <ol id="alerts-list" class="alerts-list" aria-live="polite"></ol>
</section>
</div>
"""
