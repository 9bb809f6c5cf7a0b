"""The crew's phone page (``/crew``): the caller's alerts, newest first and live, each with
a large Acknowledge button. No map; alerts.js and alerts.css do the work, as on the map."""

from __future__ import annotations

import html

OWN = "/static/geoops"

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#2e6da4">
<title>geoops — crew alerts</title>
<link rel="icon" href="{own}/favicon.svg">
<link rel="stylesheet" href="{own}/alerts.css">
<script src="{own}/alerts.js" defer></script>
</head>
<body class="crew-page">
<header class="crew-bar">
  <span class="crew-brand">geoops</span>
  <span class="crew-user">{user}</span>
  <button type="button" id="alerts-logout" class="crew-logout">Log out</button>
</header>
<main>
<section id="geoops-alerts" class="geoops-alerts" data-role="{role}" aria-labelledby="alerts-heading">
  <h1 id="alerts-heading">Alerts
    <span class="alerts-count"><span id="alerts-unacked">0</span><span class="sr-only"> unacknowledged</span></span>
    <span id="alerts-live" class="alerts-live">connecting…</span></h1>
  <p id="alerts-empty" class="alerts-empty">No alerts.</p>
  <ol id="alerts-list" class="alerts-list" aria-live="polite"></ol>
  <noscript><p>This page needs JavaScript to show alerts.</p></noscript>
</section>
</main>
</body></html>
"""


def render_crew_page(*, user: str, role: str) -> str:
    """The full HTML of the crew page for ``user``; ``role`` decides whether it offers Acknowledge."""
    return _PAGE.format(own=OWN, user=html.escape(user), role=html.escape(role, quote=True))
