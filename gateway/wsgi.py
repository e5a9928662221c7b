"""gunicorn entry of the gateway: `gunicorn gateway.wsgi:app` (upstreams from HALL_SERVICE_URLS)."""

from gateway.app import create_gateway

app = create_gateway()
