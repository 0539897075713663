import unittest

from inventory.pagination import page_count, paginate


class PaginateTests(unittest.TestCase):
    def test_rejects_page_zero(self):
        with self.assertRaises(ValueError):
            paginate([1, 2, 3], 0)

    def test_rejects_non_positive_page_size(self):
        with self.assertRaises(ValueError):
            paginate([1, 2, 3], 1, page_size=0)

    def test_page_count_rounds_up(self):
        self.assertEqual(page_count(41, page_size=20), 3)
        self.assertEqual(page_count(40, page_size=20), 2)
        self.assertEqual(page_count(0, page_size=20), 0)


if __name__ == "__main__":
    unittest.main()
