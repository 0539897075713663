"""VAT by country."""

from decimal import Decimal

from billing.money import to_cents

VAT_RATES = {
    "AT": Decimal("0.20"),
    "DE": Decimal("0.19"),
    "FR": Decimal("0.20"),
    "NL": Decimal("0.21"),
}


def calc_tax(net, country):
    """VAT on a net amount for a country code such as "DE"."""
    if country not in VAT_RATES:
        raise ValueError(f"no VAT rate for {country}")
    return to_cents(net * VAT_RATES[country])
