import unittest
from datetime import date
from decimal import Decimal

from billing.invoice import apply_discount, due_date, invoice_number, invoice_total


class InvoiceTests(unittest.TestCase):
    def test_total_with_vat(self):
        self.assertEqual(invoice_total([(2, "10.00"), (1, "6.00")], "DE"), Decimal("30.94"))

    def test_discount(self):
        self.assertEqual(apply_discount(Decimal("50.00"), 10), Decimal("45.00"))

    def test_invoice_number(self):
        self.assertEqual(invoice_number(42), "INV-000042")

    def test_due_date_uses_payment_terms(self):
        self.assertEqual(due_date(date(2026, 1, 1)), date(2026, 1, 31))


if __name__ == "__main__":
    unittest.main()
