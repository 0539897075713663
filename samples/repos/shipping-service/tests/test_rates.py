import unittest

from shipping.rates import get_rate


class RateTests(unittest.TestCase):
    def test_dhl_zone_one(self):
        self.assertEqual(get_rate("dhl", 1, 2.0), 7.10)

    def test_ups_zone_four(self):
        self.assertEqual(get_rate("ups", 4, 1.0), 23.30)


if __name__ == "__main__":
    unittest.main()
