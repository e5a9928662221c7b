"""360-month schedules a second from the Decimal calculator, against a plain float loop of the same sums.

Run from the repository root: `.venv/bin/python -m bench.calculator`. The float loop is the anchor (what the
arithmetic costs without Decimal); the ratio says what exactness to the fen costs. It takes about 10 seconds.
"""

import math
from decimal import Decimal

from bench.harness import Figure, rate, report
from services.loans.domain.calculator import calculate

AMOUNT, TERM, ANNUAL_RATE = 300_000, 360, 0.026
SECONDS = 2.0


def float_round_fen(value: float) -> float:
    return math.floor(value * 100 + 0.5) / 100


def float_equal_installment(amount: float, term: int, annual_rate: float) -> list[tuple]:
    i = annual_rate / 12
    growth = (1 + i) ** term
    payment = float_round_fen(amount * i * growth / (growth - 1))
    balance, rows = amount, []
    for period in range(1, term + 1):
        interest = float_round_fen(balance * annual_rate / 12)
        principal = balance if period == term else payment - interest
        balance = float_round_fen(balance - principal)
        rows.append((period, principal + interest, principal, interest, balance))
    return rows


def float_equal_principal(amount: float, term: int, annual_rate: float) -> list[tuple]:
    regular = float_round_fen(amount / term)
    balance, rows = amount, []
    for period in range(1, term + 1):
        interest = float_round_fen(balance * annual_rate / 12)
        principal = balance if period == term else regular
        balance = float_round_fen(balance - principal)
        rows.append((period, principal + interest, principal, interest, balance))
    return rows


def main() -> None:
    decimal_rate = Decimal(str(ANNUAL_RATE))
    # The float loop must compute the same schedule (to the fen, here), or the comparison means nothing.
    for method, float_loop in (
        ("equal_installment", float_equal_installment),
        ("equal_principal", float_equal_principal),
    ):
        exact = [str(row.payment) for row in calculate(AMOUNT, TERM, method, decimal_rate).schedule]
        approximate = [f"{row[1]:.2f}" for row in float_loop(AMOUNT, TERM, ANNUAL_RATE)]
        if exact != approximate:
            raise SystemExit(f"float anchor disagrees with the calculator for {method}")

    for method, float_loop in (
        ("equal_installment", float_equal_installment),
        ("equal_principal", float_equal_principal),
    ):
        decimal_per_second = rate(lambda m=method: calculate(AMOUNT, TERM, m, decimal_rate), SECONDS)
        float_per_second = rate(lambda f=float_loop: f(AMOUNT, TERM, ANNUAL_RATE), SECONDS)
        report(
            Figure(
                name=f"Decimal calculator, {method}, 360-month schedules",
                value=decimal_per_second,
                unit="schedules/s",
                anchor_name="plain float loop, same arithmetic",
                anchor_value=float_per_second,
                higher_is_better=True,
                target="ratio ≥ 0.1 (Decimal at most 10× the float loop) and ≥ 500 schedules/s",
            )
        )


if __name__ == "__main__":
    main()
