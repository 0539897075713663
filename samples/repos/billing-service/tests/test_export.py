import unittest

from billing.export import export_customers


class ExportTests(unittest.TestCase):
    def test_header_and_one_line_per_customer(self):
        text = export_customers([{"customer_id": "K-1", "name": "Ann Lee", "email": "ann@example.com", "country": "DE"}])
        self.assertEqual(text, "customer_id,name,email,country\nK-1,Ann Lee,ann@example.com,DE\n")


if __name__ == "__main__":
    unittest.main()
