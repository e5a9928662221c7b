import os
import secrets

pytest_plugins = ["chassis.testing"]

# production-shaped test halls (HALL_EMBEDDED=false) refuse the development certificate key: each run has its own
os.environ.setdefault("HALL_CERTIFICATE_KEY", secrets.token_urlsafe(32))
