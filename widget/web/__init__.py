"""The web edge: blueprints, parameter parsing, HTTP caching headers and error mapping."""
