"""The ``geoops`` command's groups, one module each; ``geoops.cli`` assembles them."""
