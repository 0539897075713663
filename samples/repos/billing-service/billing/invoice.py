"""Invoice totals, numbers and due dates."""

from datetime import timedelta
from decimal import Decimal

from billing.config import load_config
from billing.money import to_cents
from billing.tax import calc_tax


def line_total(quantity, unit_price):
    """Quantity times unit price, in cents."""
    return to_cents(Decimal(quantity) * Decimal(unit_price))


def apply_discount(subtotal, percent):
    """The subtotal after a percentage discount."""
    return to_cents(subtotal * (Decimal(100) - Decimal(percent)) / Decimal(100))


def invoice_total(lines, country, discount_percent=0):
    """Net after discount plus VAT; lines are (quantity, unit_price) pairs."""
    net = apply_discount(sum((line_total(q, p) for q, p in lines), Decimal("0")), discount_percent)
    return to_cents(net + calc_tax(net, country))


def invoice_number(sequence, config=None):
    """Invoice numbers look like INV-000042."""
    prefix = (config or load_config())["invoice_prefix"]
    return f"{prefix}-{sequence:06d}"


def due_date(issued, config=None):
    """The date payment is due: the issue date plus the payment terms."""
    return issued + timedelta(days=(config or load_config())["payment_terms_days"])
