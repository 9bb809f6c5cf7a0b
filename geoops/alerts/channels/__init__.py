"""Delivery channels, each a small class behind ``base.Channel``, registered by name."""
