import unittest
from decimal import Decimal

from billing.tax import calc_tax


class TaxTests(unittest.TestCase):
    def test_german_vat(self):
        self.assertEqual(calc_tax(Decimal("100.00"), "DE"), Decimal("19.00"))

    def test_unknown_country(self):
        with self.assertRaises(ValueError):
            calc_tax(Decimal("100.00"), "XX")


if __name__ == "__main__":
    unittest.main()
