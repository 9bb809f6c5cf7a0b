"""Replay: past FIRMS CSVs, stations and observations CSVs and report GeoJSON, fed to the
store in observation-time order with a detection pass after each step.

- Files are recognised by content (``files``); any file that is none of these stops the
  replay before anything is written.
- Stations files come first (they have no time). Then, merged across files in time order:
  each FIRMS satellite pass (the rows of one acquisition time), and each slot of
  observations or reports of one file (10 minutes by default; the step's time is its
  latest row).
- Each step is ingested by the ordinary ingest in one transaction (observations fire the
  sensor anomaly rules in it); bad rows are reported in the step's summary with their line
  in the file (feature number for GeoJSON) and never stop the replay. A row whose time
  cannot be read goes with its file's first step.
- Speed is a multiple of real time (720 = a day in two minutes); 0 is as fast as possible.
"""

from geoops.replay.files import SourceKind
from geoops.replay.loading import load_steps, replay_options
from geoops.replay.run import MAX_SLEEP_SECONDS, ReplayStep, replay
from geoops.replay.steps import DEFAULT_SLOT, ReplayOptions, Step

__all__ = [
    "DEFAULT_SLOT",
    "MAX_SLEEP_SECONDS",
    "ReplayOptions",
    "ReplayStep",
    "SourceKind",
    "Step",
    "load_steps",
    "replay",
    "replay_options",
]
