"""Configuring polled sources and the backoff between failed polls (no database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoops.errors import InvalidInput
from geoops.ingest.firms_poll import BACKOFF_CAP_S, backoff_seconds, configured_sources
from geoops.ingest.http_fetch import redact_url
from geoops.settings import Settings

KEY = "0123456789abcdef0123456789abcdef"


def test_backoff_grows_exponentially_to_a_cap_with_jitter() -> None:
    longest = [backoff_seconds(n, 60, rng=lambda: 1.0) for n in range(1, 9)]
    assert longest[:4] == [60, 120, 240, 480] and longest[-1] == BACKOFF_CAP_S
    assert backoff_seconds(3, 60, rng=lambda: 0.0) == 120  # never below half
    assert backoff_seconds(1000, 60, rng=lambda: 1.0) == BACKOFF_CAP_S
    assert backoff_seconds(2, 7200, rng=lambda: 1.0) == 7200  # an interval above the cap


def test_sources_parse_names_urls_and_files() -> None:
    url = f"https://firms.modaps.eosdis.nasa.gov/api/area/csv/{KEY}/VIIRS_SNPP_NRT/100,50,140,70/1"
    settings = Settings(_env_file=None, firms_sources=f"viirs={url}, {url}?api_key=x,/data/a.csv")
    named, unnamed, path = configured_sources(settings.firms_sources)
    assert (named.name, named.kind, named.location) == ("viirs", "url", url)
    assert unnamed.kind == "url" and KEY not in unnamed.name and unnamed.name.endswith("?api_key=***")
    assert (path.name, path.kind) == ("/data/a.csv", "file")
    assert redact_url("https://user:pw@h/x?token=t&a=1") == "https://***@h/x?token=***&a=1"
    with pytest.raises(InvalidInput, match="viirs"):
        configured_sources([f"viirs={url}", "viirs=/data/b.csv"])


def test_settings_accept_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOOPS_FIRMS_SOURCES", '["a=/x.csv", "https://h/1,2/3"]')
    monkeypatch.setenv("GEOOPS_INBOX", "/tmp/inbox")
    settings = Settings(_env_file=None)
    assert settings.firms_sources == ["a=/x.csv", "https://h/1,2/3"]
    assert settings.inbox == Path("/tmp/inbox") and settings.firms_poll_seconds == 600
