import unittest

from shipping.quote import quote


class QuoteTests(unittest.TestCase):
    def test_default_carrier(self):
        self.assertEqual(quote("DE", 2.0), 7.10)

    def test_named_carrier(self):
        self.assertEqual(quote("US", 1.0, carrier="ups"), 23.30)


if __name__ == "__main__":
    unittest.main()
