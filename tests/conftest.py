import os

# the tests run the production shape on this machine, with the dev inbox and dev secrets: a declared workstation
os.environ.setdefault("HALL_WORKSTATION", "true")

pytest_plugins = ["chassis.testing"]
