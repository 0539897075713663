import unittest

from inventory.stock import Item, needs_reorder, reorder_list


class StockTests(unittest.TestCase):
    def test_reorder_at_level(self):
        self.assertTrue(needs_reorder(Item("A-1", on_hand=5, reorder_level=5)))

    def test_no_reorder_above_level(self):
        self.assertFalse(needs_reorder(Item("A-1", on_hand=6, reorder_level=5)))

    def test_reorder_list_is_sorted(self):
        items = [Item("B-2", 0, 1), Item("A-1", 1, 1), Item("C-3", 9, 1)]
        self.assertEqual(reorder_list(items), ["A-1", "B-2"])


if __name__ == "__main__":
    unittest.main()
