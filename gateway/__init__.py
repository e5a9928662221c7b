"""The public entry of the hall: routes /api/v1/<service>/ to the services and serves the web hall."""
