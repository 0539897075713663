"""Delivery date estimates: carriers deliver on working days only."""

from datetime import timedelta


def estimate_delivery(shipped, working_days):
    """The date a parcel shipped on `shipped` arrives after `working_days` working days (Mon-Fri)."""
    day = shipped
    left = working_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
