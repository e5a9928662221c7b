"""The loans service's public API (`/api/v1/loans/...`): calculator, applications, loans, and the staff API."""


def blueprints() -> list:
    from services.loans.api.applications import blp as applications
    from services.loans.api.calculator import blp as calculator
    from services.loans.api.loans import blp as loans
    from services.loans.api.staff import blp as staff

    return [calculator, applications, loans, staff]
