"""Carriers bill by the started half kilogram."""


def billable_weight(kg):
    """The weight a carrier bills for a parcel of `kg` kilograms."""
    if kg <= 0:
        raise ValueError("weight must be positive")
    return round(kg * 2) / 2
