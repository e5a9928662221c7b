"""Withdrawals' HTTP API: `public` (reasons, branches, slots), `depositor` (applications, appointments), `staff`
(the officers' queues and steps); and the one place each domain refusal gets its HTTP status."""

# a refusal not named here is a 422, as for bad input (a day that cannot be booked, a rule a case breaks)
ERROR_STATUSES = {
    "ROLE_NOT_ALLOWED": 403,
    "FOUR_EYES": 403,
    "ALREADY_FINISHED": 409,
    "TRANSITION_NOT_ALLOWED": 409,
    "UNKNOWN_STATE": 409,
    "CANCEL_TOO_LATE": 409,
    "NOT_YET_MISSED": 409,
    "NOT_APPOINTMENT_DAY": 409,
    "APPOINTMENT_MISSED": 409,
    "APPOINTMENT_EXISTS": 409,
    "SLOT_FULL": 409,
    "SLOT_BUSY": 409,
    "ACCOUNT_NOT_FOUND": 409,
    "NOT_ACTIVE": 409,
}


def blueprints() -> list:
    from services.withdrawals.api import depositor, public, staff
    from services.withdrawals.console.views import console

    return [public.blp, depositor.blp, staff.blp, console]
