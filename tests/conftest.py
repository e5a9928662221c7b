pytest_plugins = ["chassis.testing"]
