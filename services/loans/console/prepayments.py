"""The entrusted bank's prepayment desk in the loan console (`/console/loans/prepayments`): the applications waiting
for the bank, one page each with the quoted figures and the timeline, and the bank officer's 确认办理 / 不予办理
(the staff API's decision, chassis.console's guard, CSRF and audit)."""

from flask import redirect, request, url_for
from sqlalchemy import select

from chassis.auth import Caller
from chassis.console import centre_name
from chassis.errors import ApiError, status_of
from chassis.pii import mask_id_number
from chassis.rules import RuleViolation
from chassis.runtime import current_runtime
from services.loans.api.staff import decide_prepayment
from services.loans.console.views import console, staff_console
from services.loans.domain.prepayment_application import STATE_LABELS, PrepaymentState, allowed_moves
from services.loans.models import Loan, Prepayment
from services.loans.views import describe_prepayment


@console.get("/prepayments")
def prepayments():
    caller, token = staff_console.staff()
    shown = request.args.get("status") or PrepaymentState.SUBMITTED.value
    if shown not in STATE_LABELS:
        shown = PrepaymentState.SUBMITTED.value
    with current_runtime().db.transaction() as session:
        rows = session.execute(
            select(Prepayment, Loan)
            .join(Loan, Loan.id == Prepayment.loan_id)
            .where(Prepayment.state == shown)
            .order_by(Prepayment.submitted_at, Prepayment.id)
            .limit(100)
        ).all()
        items = [
            {**describe_prepayment(prepayment), "name": loan.name, "id_number": mask_id_number(loan.id_number)}
            for prepayment, loan in rows
        ]
    return staff_console.render(
        "loans_console/prepayments.html",
        caller,
        token,
        items=items,
        shown=shown,
        tabs=[(state.value, label) for state, label in STATE_LABELS.items()],
    )


@console.get("/prepayments/<prepayment_id>")
def prepayment(prepayment_id):
    return _page(*staff_console.staff(), prepayment_id)


@console.post("/prepayments/<prepayment_id>/transitions")
def prepayment_transition(prepayment_id):
    caller, token = staff_console.staff_and_csrf()
    to, opinion = request.form.get("to", ""), request.form.get("opinion")
    try:
        view = decide_prepayment(caller, prepayment_id, to, opinion)
    except (ApiError, RuleViolation) as error:
        return _page(caller, token, prepayment_id, error=error.detail, status=status_of(error))
    with current_runtime().db.transaction() as session:
        sentence = f"将提前还款申请 {view['prepayment_no']} 办理为「{view['status_label']}」"
        if (opinion or "").strip():
            sentence += f"，意见：{opinion.strip()[:60]}"
        staff_console.audit(session, caller, "transition", prepayment_id, f"to={view['status']}", sentence=sentence)
    return redirect(url_for("loans_console.prepayment", prepayment_id=prepayment_id, done=1))


def _page(caller: Caller, token: str, prepayment_id: str, error: str | None = None, status: int = 200):
    with current_runtime().db.transaction() as session:
        record = session.get(Prepayment, prepayment_id[:36])
        if record is None:
            return staff_console.render("loans_console/missing.html", caller, token, status=404)
        loan = session.get(Loan, record.loan_id)
        view = describe_prepayment(record)
        staff_console.audit(
            session,
            caller,
            "view_case",
            record.id,
            record.prepayment_no,
            sentence=f"查看了提前还款申请 {record.prepayment_no}",
        )
        borrower = {
            "name": loan.name,
            "id_number": mask_id_number(loan.id_number),
            "centre": centre_name(loan.center),
            "outstanding_principal": loan.outstanding_principal,
            "monthly_payment": loan.monthly_payment,
            "term_months": loan.term_months,
        }
    roles = frozenset(caller.roles)
    return staff_console.render(
        "loans_console/prepayment.html",
        caller,
        token,
        status=status,
        item=view,
        borrower=borrower,
        moves=allowed_moves(view["status"], roles),
        error=error,
        done=request.args.get("done") == "1" and not error,
    )
