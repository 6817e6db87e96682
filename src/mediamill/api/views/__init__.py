"""One module per resource family; each ends with the ``resource(...)`` views it serves."""
