"""Every shape the service hands out or reads, defined once as pydantic models: the stored
record (its Redis form), the public JSON, the error body, parameters and responses.

The JSON routes serialise through these models, the Redis tier stores records through them,
and ``widget.web.openapi`` derives the OpenAPI document from them (``model_json_schema``), so
the document cannot drift from what the routes answer."""
