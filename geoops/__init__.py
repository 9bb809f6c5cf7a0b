"""geoops: geospatial incident and wildfire monitoring on PostGIS."""

__version__ = "0.1.0"
