"""The public report form (phones first) and the page where a reporter follows a report.

Plain HTML: the form submits even if the map assets fail to load (then the coordinates are
typed or come from the browser's location or the photo). Leaflet is served by geoops itself.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/geoops/favicon.svg">
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="/static/geoops/report.css">
</head>
"""

_FORM = """<body>
<main class="report">
<h1>Report a fire</h1>
<p class="muted">Smoke, open fire, a burnt area or an illegal dump: tell the duty dispatcher.
No account is needed.</p>
<form id="report-form" novalidate data-basemap="{basemap}">
  <fieldset>
    <legend>Where</legend>
    <div id="report-map" class="report-map" aria-label="Map: tap or drag the pin to the place"></div>
    <button type="button" id="locate" class="secondary">Use my location</button>
    <div id="locate-status" class="muted" role="status"></div>
    <div class="coords">
      <label>Latitude <input id="latitude" name="latitude" inputmode="decimal" autocomplete="off"></label>
      <label>Longitude <input id="longitude" name="longitude" inputmode="decimal" autocomplete="off"></label>
    </div>
    <input type="hidden" id="accuracy_m" name="accuracy_m">
    <p class="muted small">Leave empty to use the location stored in your photo.</p>
  </fieldset>
  <label for="category">What do you see?</label>
  <select id="category" name="category" required>{options}</select>
  <label for="text">Details</label>
  <textarea id="text" name="text" rows="4" maxlength="{text_max}"
    placeholder="Size, direction of smoke, what is burning, who is there"></textarea>
  <label for="photo">Photo (optional)</label>
  <input id="photo" name="photo" type="file" accept="image/*" capture="environment">
  <label for="contact">Phone or e-mail (optional, only staff see it)</label>
  <input id="contact" name="contact" autocomplete="tel" maxlength="200">
  <button type="submit" id="submit">Send report</button>
  <div id="result" role="alert" aria-live="polite"></div>
</form>
</main>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script src="/static/geoops/report.js"></script>
</body></html>
"""

_TRACK = """<body>
<main class="report">
<h1>Report {number}</h1>
<dl class="track">
  <dt>Status</dt><dd id="track-status" class="status {status}">{status_text}</dd>
  <dt>What</dt><dd>{category}</dd>
  <dt>Seen</dt><dd>{reported_at}</dd>
  <dt>Received</dt><dd>{received_at}</dd>
  <dt>Answer</dt><dd id="track-answer">{answer}</dd>
</dl>
{photos}
<p><a href="/report">File another report</a></p>
</main>
</body></html>
"""

_UNKNOWN = """<body><main class="report"><h1>Unknown tracking code</h1>
<p>No report has this tracking code. Check the link you were given.</p>
<p><a href="/report">File a report</a></p></main></body></html>
"""

STATUS_TEXT = {
    "received": "Received: waiting for a dispatcher",
    "linked": "Linked to incident {incident}",
    "verified": "Verified by a dispatcher",
    "dismissed": "Dismissed",
    "resolved": "Resolved",
}


def label(category: str) -> str:
    """``open_fire`` → ``Open fire``."""
    return category.replace("_", " ").capitalize()


def render_report_form(categories: Sequence[str], *, basemap_url: str | None, text_max: int) -> str:
    options = "".join(
        f'<option value="{html.escape(c, quote=True)}">{html.escape(label(c))}</option>' for c in categories
    )
    form = _FORM.format(
        basemap=html.escape(basemap_url or "", quote=True), options=options, text_max=int(text_max)
    )
    return _HEAD.format(title="geoops — report a fire") + form


def render_track_page(found: dict[str, Any] | None) -> str:
    """The status page of one report (``found`` as the tracking API returns it) or 'unknown'."""
    if found is None:
        return _HEAD.format(title="geoops — unknown tracking code") + _UNKNOWN
    incident = found.get("incident_number") or "—"
    status = str(found["status"])
    photos = "".join(
        f'<img src="{html.escape(url, quote=True)}" alt="photo {n}" class="track-photo">'
        for n, url in enumerate(found.get("photos", []), start=1)
    )
    page = _TRACK.format(
        number=html.escape(str(found["id"])),
        status=html.escape(status, quote=True),
        status_text=html.escape(STATUS_TEXT.get(status, status).format(incident=incident)),
        category=html.escape(label(str(found["category"]))),
        reported_at=html.escape(_time(found["reported_at"])),
        received_at=html.escape(_time(found["received_at"])),
        answer=html.escape(found.get("answer") or "No answer yet."),
        photos=f'<div class="photos">{photos}</div>' if photos else "",
    )
    return _HEAD.format(title=f"geoops — report {int(found['id'])}") + page


def _time(value: Any) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else str(value)
