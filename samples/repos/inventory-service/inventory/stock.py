"""Stock levels and reorder rules."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    sku: str
    on_hand: int
    reorder_level: int


def needs_reorder(item):
    """An item needs reordering when stock falls to its reorder level."""
    return item.on_hand <= item.reorder_level


def reorder_list(items):
    """SKUs to reorder, in SKU order."""
    return sorted(item.sku for item in items if needs_reorder(item))
