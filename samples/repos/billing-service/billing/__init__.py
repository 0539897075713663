"""Invoices, VAT and exports for the sample shop."""
