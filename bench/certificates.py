"""Certificates issued per second (the use case, its transaction with the outbox row, and the signed PDF read back
as the depositor downloads it) against rendering a blank A4 page with the same library in the same run.

Run from the repository root: `.venv/bin/python -m bench.certificates` (embedded: SQLite in a scratch folder,
the demo data of accounts). The ratio says how much of a certificate's cost is the work around the PDF library
(reading the account, signing, storing, drawing text and the QR code) rather than the library's own page set-up.
Profiled here, a certificate's time goes mostly to the PDF: segno's search for the QR code's best mask (about a
third), reportlab's pure-Python number formatting of the drawing and the CJK font subset; the database work is a
small part.
"""

import tempfile
from pathlib import Path

from sqlalchemy import select

from bench.harness import Figure, rate, report
from chassis.certificates.api import pdf_response
from chassis.certificates.pdf import render_blank_page
from services.accounts.cases.certificates import issue_certificate
from services.accounts.models import FundAccount
from services.registry import load

ZHANG_WEI = "640100000001"
SECONDS = 4.0


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        service = load("accounts")
        config = service.load_config(database_url=f"sqlite:///{Path(folder) / 'accounts.db'}", embedded=True)
        runtime = service.runtime(config)
        runtime.migrate()
        service.seed(runtime)
        app = service.create_app(runtime=runtime)

        def issue_and_render() -> None:
            with runtime.db.transaction() as session:
                account = session.scalars(select(FundAccount).where(FundAccount.account_no == ZHANG_WEI)).one()
                certificate = issue_certificate(session, account, config, {"kind": "deposit"})
                session.expunge(certificate)
            with app.app_context():
                assert pdf_response(certificate, config).get_data()[:5] == b"%PDF-"

        render_blank_page()  # font registered before either clock starts
        issue_and_render()
        blank = rate(render_blank_page, SECONDS)
        issued = rate(issue_and_render, SECONDS)
        runtime.stop()

    report(
        Figure(
            name="certificates issued and rendered per second (缴存证明, SQLite, one thread)",
            value=issued,
            unit="per s",
            anchor_name="blank A4 pages rendered per second by the same library",
            anchor_value=blank,
            target="none set; the ratio is a certificate's cost in blank pages (see the module docstring)",
        )
    )


if __name__ == "__main__":
    main()
