"""Shipping quotes for the sample shop."""
