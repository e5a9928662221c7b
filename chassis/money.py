"""Money as Decimal yuan in code and as whole fen (integers) in storage, rounded half-up to the fen."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
YUAN = Decimal("1")


def round_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up, as banks and the fund centres do."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def round_yuan(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(YUAN, rounding=ROUND_HALF_UP).quantize(FEN)


def to_fen(amount: Decimal) -> int:
    """Yuan to integer fen; refuses amounts with more than two decimals rather than rounding them silently."""
    amount = Decimal(amount)
    if amount != amount.quantize(FEN):
        raise ValueError(f"金额最多两位小数: {amount}")
    return int(amount * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(FEN)


def parse_money(text: str | int | Decimal) -> Decimal:
    """A money figure from user input ("1201.02"); raises ValueError with a Chinese message when it is not one."""
    try:
        amount = Decimal(str(text).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValueError("金额格式不正确") from error
    if not amount.is_finite():
        raise ValueError("金额格式不正确")
    if amount != amount.quantize(FEN):
        raise ValueError("金额最多两位小数")
    return amount.quantize(FEN)
