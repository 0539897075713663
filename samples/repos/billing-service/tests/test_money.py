import unittest
from decimal import Decimal

from billing.money import to_cents


class MoneyTests(unittest.TestCase):
    def test_rounds_to_cents(self):
        self.assertEqual(to_cents(Decimal("10.004")), Decimal("10.00"))
        self.assertEqual(to_cents(Decimal("10.006")), Decimal("10.01"))


if __name__ == "__main__":
    unittest.main()
