import os
import secrets

# the tests run the production shape on this machine, with the dev inbox and dev secrets: a declared workstation
os.environ.setdefault("HALL_WORKSTATION", "true")

pytest_plugins = ["chassis.testing"]

# production-shaped test halls (HALL_EMBEDDED=false) refuse the development certificate key: each run has its own
os.environ.setdefault("HALL_CERTIFICATE_KEY", secrets.token_urlsafe(32))
