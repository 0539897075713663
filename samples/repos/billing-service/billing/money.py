"""Money amounts are Decimals rounded to whole cents."""

from decimal import Decimal

CENT = Decimal("0.01")


def to_cents(amount):
    """Round an amount to whole cents."""
    return Decimal(amount).quantize(CENT)
