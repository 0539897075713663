import unittest

from shipping.weights import billable_weight


class WeightTests(unittest.TestCase):
    def test_whole_kilograms_are_billed_as_they_are(self):
        self.assertEqual(billable_weight(2.0), 2.0)

    def test_rejects_non_positive_weight(self):
        with self.assertRaises(ValueError):
            billable_weight(0)


if __name__ == "__main__":
    unittest.main()
