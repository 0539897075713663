import unittest

from shipping.zones import zone_for


class ZoneTests(unittest.TestCase):
    def test_known_country(self):
        self.assertEqual(zone_for("DE"), 1)

    def test_unknown_country(self):
        with self.assertRaises(ValueError):
            zone_for("XX")


if __name__ == "__main__":
    unittest.main()
