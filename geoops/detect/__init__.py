"""Detect: hotspots (and later sensor alarms and reports) into incidents and events."""
