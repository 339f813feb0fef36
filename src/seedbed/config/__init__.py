"""Settings, URLs and the WSGI/ASGI entry points."""
