"""Alerts: rules and routing by level, channels, CAP 1.2, the dispatcher, escalation."""
