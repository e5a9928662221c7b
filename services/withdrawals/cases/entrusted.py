"""Monthly entrusted withdrawal sign-ups: signing up (the borrower, the spouse's account when joined), cancelling,
and ending at the loan's pay-off. Each change goes out through the outbox, so loans' repayment run knows whose
fund account to ask each due date."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from services.withdrawals.domain.entrusted import SignUpFacts, check_cancel, check_sign_up
from services.withdrawals.events import ENTRUSTED_EVENTS
from services.withdrawals.models import Applicant, EntrustedRepayment, FundLoan

ACTIVE, CANCELLED, ENDED = "active", "cancelled", "ended"
STATE_LABELS = {ACTIVE: "已签约", CANCELLED: "已取消", ENDED: "已终止（贷款已结清）"}


def sign_up(session: Session, applicant: Applicant, loan_id: str, include_spouse: bool, by: str):
    loan = session.get(FundLoan, loan_id) if loan_id else None
    spouse = _spouse_of(session, loan) if loan is not None and include_spouse else None
    already = session.scalar(select(EntrustedRepayment.id).where(EntrustedRepayment.active_key == loan_id))
    check_sign_up(
        SignUpFacts(
            loan_known=loan is not None,
            borrower_owns_loan=loan is not None and loan.account_no == applicant.account_no,
            loan_repaying=loan is not None and loan.state == "open",
            account_status=applicant.status,
            already_signed_up=already is not None,
            include_spouse=include_spouse,
            loan_has_co_borrower=loan is not None and bool(loan.co_borrower_id_number),
            spouse_status=spouse.status if spouse is not None else None,
        )
    )
    signup = EntrustedRepayment(
        id=str(uuid.uuid4()),
        loan_id=loan.loan_id,
        contract_no=loan.contract_no,
        account_no=applicant.account_no,
        id_number=applicant.id_number,
        spouse_account_no=spouse.account_no if spouse is not None else None,
        spouse_name=spouse.name if spouse is not None else None,
        state=ACTIVE,
        active_key=loan.loan_id,
        signed_by=by,
        created_at=clock.now(),
    )
    session.add(signup)
    session.flush()  # two sign-ups racing: the second fails here on active_key, before anything is published
    _tell(session, signup, "signed_up")
    return signup


def cancel(session: Session, signup: EntrustedRepayment) -> EntrustedRepayment:
    check_cancel(signup.state)
    _finish(session, signup, CANCELLED)
    _tell(session, signup, "cancelled")
    return signup


def end_at_pay_off(session: Session, loan_id: str) -> None:
    """The loan is paid off: its active sign-up ends (a redelivered pay-off finds none)."""
    signup = session.scalar(
        select(EntrustedRepayment).where(EntrustedRepayment.active_key == loan_id).with_for_update()
    )
    if signup is not None:
        _finish(session, signup, ENDED)
        _tell(session, signup, "ended")


def _finish(session: Session, signup: EntrustedRepayment, state: str) -> None:
    signup.state, signup.active_key, signup.ended_at = state, None, clock.now()


def _spouse_of(session: Session, loan: FundLoan) -> Applicant | None:
    if not loan.co_borrower_id_number:
        return None
    accounts = session.scalars(select(Applicant).where(Applicant.id_number == loan.co_borrower_id_number)).all()
    # a person may hold accounts in more than one centre: the one in normal standing is the one to use
    return next((account for account in accounts if account.status == "normal"), accounts[0] if accounts else None)


def _tell(session: Session, signup: EntrustedRepayment, what: str) -> None:
    publish(
        session,
        ENTRUSTED_EVENTS[what],
        {
            "entrusted_id": signup.id,
            "loan_id": signup.loan_id,
            "contract_no": signup.contract_no,
            "account_no": signup.account_no,
            "id_number": signup.id_number,
            "spouse_account_no": signup.spouse_account_no,
            "state": signup.state,
            "at": signup.ended_at or signup.created_at,
        },
    )
