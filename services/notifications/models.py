"""Tables of the notifications service (its own database; nothing else reads it)."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
