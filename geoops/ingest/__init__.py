"""Ingest: files, feeds and requests into the store. Never imports another stage."""
