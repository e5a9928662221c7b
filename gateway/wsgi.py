"""gunicorn entry of the hall's web app behind the edge: `gunicorn gateway.wsgi:app` (pages, /api/docs, probes)."""

from gateway.app import create_gateway

app = create_gateway()
