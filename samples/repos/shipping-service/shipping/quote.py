"""A shipping quote for a parcel."""

from shipping.config import load_config
from shipping.rates import get_rate
from shipping.weights import billable_weight
from shipping.zones import zone_for


def quote(country, kg, carrier=None):
    """Price in EUR to ship a parcel of `kg` kilograms to `country`."""
    carrier = carrier or load_config()["default_carrier"]
    return get_rate(carrier, zone_for(country), billable_weight(kg))
