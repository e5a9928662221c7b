"""Accounts' HTTP API: `public` (directory and guides), `depositor` (/me), `staff` (the centre's operations);
and the one place each domain refusal gets its HTTP status."""

# a refusal not named here is a 422, as for bad input
ERROR_STATUSES = {
    "ACCOUNT_NOT_FOUND": 404,
    "EMPLOYER_NOT_FOUND": 404,
    "GUIDE_NOT_FOUND": 404,
    "CENTER_NOT_FOUND": 404,
    "RECORD_NOT_FOUND": 404,
    "CERTIFICATE_NOT_FOUND": 404,
}


def blueprints() -> list:
    from services.accounts.api import depositor, public, staff

    return [public.blp, depositor.blp, staff.blp]
