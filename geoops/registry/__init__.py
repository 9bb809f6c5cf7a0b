"""Registry: environmental layers that clerks maintain and detection and alerts use."""
