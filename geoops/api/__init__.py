"""HTTP entry point: ``create_app(settings)``; routers per resource, thin by design."""

from geoops.api.app import create_app

__all__ = ["create_app"]
