"""The carriers' rate table: a base price per zone plus a price per billable kilogram."""

RATES = {
    "dhl": {"base": {1: 4.90, 2: 9.90, 4: 24.90}, "per_kg": 1.10},
    "ups": {"base": {1: 5.50, 2: 10.50, 4: 22.00}, "per_kg": 1.30},
}


def get_rate(carrier, zone, weight):
    """Price in EUR to ship `weight` billable kilograms to `zone` with `carrier`."""
    table = RATES[carrier]
    return round(table["base"][zone] + table["per_kg"] * weight, 2)
