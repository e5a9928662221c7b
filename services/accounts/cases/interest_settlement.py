"""The annual interest settlement of 30 June as set-based SQL (the method and formula: domain/interest.py).

On PostgreSQL one statement computes every account's accumulation from the year's ledger rows, credits the
interest, appends the 结息 entries and writes one `accounts.account.credited` event per entry, a hundred to an
outbox row. SQLite (the embedded demo) has no data-modifying CTEs: there the same computation runs as an
INSERT ... SELECT and an UPDATE ... FROM, and the few demo events are published from Python.

Amounts are integer fen, so the half-up rounding is exact integer arithmetic on both databases:
interest = floor((2 × accumulation × p + q) / 2q), with annual_rate / day_basis = p / q.
A second run of the same fund year changes nothing (the `interest_settlements` row is written first).
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from chassis.bus.outbox import event_moment, mark_outbox_written
from chassis.logs import correlation_id_var
from chassis.money import from_fen
from services.accounts.cases.postings import posted_event
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.interest import FundYear, InterestRules, settlement_summary
from services.accounts.events import ACCOUNT_CREDITED
from services.accounts.models import FundAccount, InterestSettlement, LedgerEntry

# events of the settlement per outbox row (the relay publishes each as its own message)
ENVELOPES_PER_ROW = 100

_ACCUMULATION = """
year_rows AS (
    SELECT account_id,
           SUM(amount) AS since_start,
           SUM(amount * ({days_left})) AS in_year_accumulation
    FROM ledger_entries
    WHERE posted_on >= :start
    GROUP BY account_id
), settled AS (
    SELECT a.id AS account_id,
           -- SUM gives numeric on PostgreSQL: back to an integer so the division below truncates
           CAST((a.balance - COALESCE(y.since_start, 0)) * :days + COALESCE(y.in_year_accumulation, 0) AS BIGINT)
               AS accumulation
    FROM fund_accounts a LEFT JOIN year_rows y ON y.account_id = a.id
    WHERE a.status <> 'closed'
), interest AS (
    SELECT account_id, (2 * accumulation * :p + :q) / (2 * :q) AS interest_fen
    FROM settled
    WHERE accumulation > 0
)"""

_POSTGRES_SETTLEMENT = (
    "WITH"
    + _ACCUMULATION.format(days_left="(CAST(:end AS date) - posted_on) + 1")
    + """, credited AS (
    -- the entry's id is drawn here, so the events below need not join the inserted entries back to the accounts
    UPDATE fund_accounts a SET balance = a.balance + i.interest_fen, version = a.version + 1
    FROM interest i
    WHERE a.id = i.account_id AND i.interest_fen > 0
    RETURNING a.id, a.account_no, a.center, a.depositor_id, a.balance, i.interest_fen,
              nextval(CAST(:entry_sequence AS regclass)) AS entry_id
), entries AS (
    INSERT INTO ledger_entries (id, account_id, posted_on, kind, summary, amount, balance_after, reference)
    SELECT entry_id, id, :end, 'interest', :summary, interest_fen, balance, :reference FROM credited
), events AS (
    -- one outbox row per ENVELOPES_PER_ROW entries, their envelopes one per line (chassis.bus.outbox.envelopes_of):
    -- a hundredth of the rows and index entries; the relay still publishes one message per entry, with its own id
    INSERT INTO outbox (message_id, type, envelope, created_at, publish_attempts)
    SELECT min(message_id), 'accounts.account.credited', string_agg(envelope, E'\n'),
           CAST(:created_at AS timestamptz), 0
    FROM (
    SELECT m.message_id, m.entry_id / :per_row AS batch,
           -- every value here is digits, a uuid, a centre code or a fixed word, none of them NULL: nothing to
           -- escape, so plain concatenation builds the envelope (chassis.bus.envelope), faster than format() or
           -- nested json_build_object
           '{"id": "' || m.message_id || '", "type": "accounts.account.credited", "version": 1, "occurred_at": "'
           || CAST(:occurred_at AS text) || '", "source": "accounts", "correlation_id": "'
           || COALESCE(CAST(:correlation_id AS text), m.message_id) || '", "causation_id": null, "data": {"entry_id": "'
           || m.entry_id || '", "account_no": "' || m.account_no || '", "id_number": "' || d.id_number
           || '", "center": "' || m.center || '", "kind": "interest", "amount": "' || m.interest_fen / 100 || '.'
           || lpad((m.interest_fen % 100)::text, 2, '0') || '", "balance": "' || m.balance / 100 || '.'
           || lpad((m.balance % 100)::text, 2, '0') || '", "posted_on": "' || CAST(:end_text AS text)
           || '", "month": null, "reference": "' || CAST(:reference AS text) || '"}}' AS envelope
    -- message ids share one random prefix and end in the entry id: unique, and they land at the end of the
    -- outbox's message_id index in order instead of splitting pages all over it
    FROM (SELECT prefix || lpad(to_hex(c.entry_id), 12, '0') AS message_id, c.*
          FROM credited c CROSS JOIN (SELECT left(gen_random_uuid()::text, 24) AS prefix) run) m
    JOIN depositors d ON d.id = m.depositor_id
    ) envelopes
    GROUP BY batch
)
SELECT COUNT(*), COALESCE(SUM(interest_fen), 0) FROM credited
"""
)

_SQLITE_ENTRIES = (
    "INSERT INTO ledger_entries (account_id, posted_on, kind, summary, amount, balance_after, reference) WITH"
    + _ACCUMULATION.format(days_left="CAST(julianday(:end) - julianday(posted_on) AS INTEGER) + 1")
    + """
SELECT a.id, :end, 'interest', :summary, i.interest_fen, a.balance + i.interest_fen, :reference
FROM interest i JOIN fund_accounts a ON a.id = i.account_id
WHERE i.interest_fen > 0
"""
)

_SQLITE_CREDIT = """
UPDATE fund_accounts SET balance = fund_accounts.balance + e.amount, version = fund_accounts.version + 1
FROM ledger_entries e
WHERE e.account_id = fund_accounts.id AND e.kind = 'interest' AND e.reference = :reference
"""


@dataclass
class SettlementOutcome:
    settlement: InterestSettlement
    replayed: bool


def settle_fund_year(session: Session, fund_year: FundYear, rules: InterestRules) -> SettlementOutcome:
    """Credit the interest of `fund_year` to every open account, once."""
    existing = session.get(InterestSettlement, fund_year.year)
    if existing is not None:
        return SettlementOutcome(existing, replayed=True)
    later = session.scalar(select(LedgerEntry.id).where(LedgerEntry.posted_on > fund_year.end).limit(1))
    if later is not None:
        raise RuleViolation(
            "SETTLEMENT_AFTER_LATER_POSTINGS",
            f"已有晚于{fund_year.end:%Y年%m月%d日}的入账记录，{fund_year.label}结息须在当日结息后再办理后续入账",
            field="fund_year",
        )
    settlement = InterestSettlement(
        fund_year=fund_year.year,
        settled_on=fund_year.end,
        annual_rate=rules.annual_rate,
        accounts=0,
        total=Decimal("0"),
    )
    session.add(settlement)
    session.flush()  # a concurrent run of the same year fails here on the primary key
    rate_numerator, rate_denominator = rules.annual_rate.as_integer_ratio()
    p, q = rate_numerator, rate_denominator * rules.day_basis
    params = {
        "start": fund_year.start,
        "end": fund_year.end,
        "days": fund_year.days,
        "p": p,
        "q": q,
        "summary": settlement_summary(fund_year),
        "reference": f"interest-{fund_year.year}",
    }
    if session.get_bind().dialect.name == "postgresql":
        count, total_fen = _settle_on_postgres(session, fund_year, params)
    else:
        count, total_fen = _settle_on_sqlite(session, params)
    settlement.accounts = count
    settlement.total = from_fen(total_fen)
    return SettlementOutcome(settlement, replayed=False)


def _settle_on_postgres(session: Session, fund_year: FundYear, params: dict) -> tuple[int, int]:
    # hash the year's rows and sort a million accounts in memory rather than in temporary files
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    # once a year and mostly writes: compiling the expressions (JIT) costs more than it saves here
    session.execute(text("SET LOCAL jit = off"))
    row = session.execute(
        text(_POSTGRES_SETTLEMENT),
        {
            **params,
            "end_text": fund_year.end.isoformat(),
            "occurred_at": event_moment().isoformat(),
            "created_at": clock.now(),
            "correlation_id": correlation_id_var.get() or None,
            "per_row": ENVELOPES_PER_ROW,
            "entry_sequence": session.scalar(text("SELECT pg_get_serial_sequence('ledger_entries', 'id')")),
        },
    ).one()
    mark_outbox_written(session)
    return int(row[0]), int(row[1])


def _settle_on_sqlite(session: Session, params: dict) -> tuple[int, int]:
    session.execute(text(_SQLITE_ENTRIES), params)
    session.execute(text(_SQLITE_CREDIT), {"reference": params["reference"]})
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == "interest", LedgerEntry.reference == params["reference"])
    ).all()
    accounts = {
        account.id: account
        for account in session.scalars(select(FundAccount).where(FundAccount.id.in_([e.account_id for e in entries])))
    }
    for entry in entries:
        publish(session, ACCOUNT_CREDITED, posted_event(accounts[entry.account_id], entry))
    return len(entries), sum(int(entry.amount * 100) for entry in entries)
