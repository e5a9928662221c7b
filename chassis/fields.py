"""marshmallow fields the hall's schemas share: money, always a bounded Decimal with at most two decimals."""

from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from marshmallow import fields

from chassis.money import FEN

# no figure of the hall (a price, a loan, a balance) comes near a trillion yuan; larger is a typo or an attack
MONEY_MAX_INTEGER_DIGITS = 12


class Money(fields.Decimal):
    """A money figure (or a percentage with two decimals): read from a string or a JSON number, written as a decimal
    string. Refused with a Chinese message: anything that isn't a finite number, more than two decimals, or more
    than 12 digits before the point (which would overflow Decimal's context before any rule could look at it)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "请输入正确的金额",
        "special": "请输入正确的金额",
        "places": "金额最多两位小数",
        "too_large": "金额超出允许范围",
    }

    def __init__(self, *, check_places: bool = True, **kwargs: Any):
        """`check_places=False` where a domain rule refuses more than two decimals with its own code."""
        kwargs.setdefault("as_string", True)
        self.check_places = check_places
        super().__init__(places=2, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.make_error("invalid")
        text = repr(value) if isinstance(value, float) else str(value).strip()
        if len(text) > 40:
            raise self.make_error("too_large")
        try:
            amount = Decimal(text)
        except (InvalidOperation, ValueError) as error:
            raise self.make_error("invalid") from error
        if not amount.is_finite():
            raise self.make_error("special")
        if amount != 0 and amount.adjusted() >= MONEY_MAX_INTEGER_DIGITS:
            raise self.make_error("too_large")
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(FEN):
            if self.check_places:
                raise self.make_error("places")
            return amount.normalize()  # bounded above, so the domain's own rule can look at it safely
        return amount.quantize(FEN)
