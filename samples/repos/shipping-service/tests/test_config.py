import unittest

from shipping.config import load_config


class ConfigTests(unittest.TestCase):
    def test_carrier_settings(self):
        config = load_config()
        self.assertEqual(config["default_carrier"], "dhl")
        self.assertEqual(config["timeout_seconds"], 30)
        self.assertEqual(config["retries"], 1)


if __name__ == "__main__":
    unittest.main()
