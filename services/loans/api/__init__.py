"""Loans' HTTP API: `public` (calculator, rates, banks), `depositor` (applications, my loans), `staff` (review);
and the one place each domain refusal gets its HTTP status."""

# a refusal not named here is a 422, as for bad input
ERROR_STATUSES = {
    "VERSION_CONFLICT": 409,
    "ILLEGAL_TRANSITION": 409,
    "PRELIMINARY_REVIEWER_UNKNOWN": 409,
    "ROLE_NOT_ALLOWED": 403,
    "FOUR_EYES_VIOLATION": 403,
    "APPLICATION_NOT_FOUND": 404,
    "LOAN_NOT_FOUND": 404,
    "CERTIFICATE_NOT_FOUND": 404,
    "PREPAYMENT_NOT_FOUND": 404,
}


def blueprints() -> list:
    from services.loans.api import depositor, public, staff
    from services.loans.console import prepayments  # noqa: F401  (the prepayment desk's pages on the console)
    from services.loans.console.views import console

    return [public.blp, depositor.blp, staff.blp, console]
