"""Shared spreadsheet helpers: numbers as people type them, cells as Excel gives them."""

from decimal import Decimal

from django.test import SimpleTestCase

from ntm.lib.spreadsheets import cell, parse_decimal


class ParseDecimalTests(SimpleTestCase):
    def test_it_reads_a_decimal_comma_or_point(self):
        self.assertEqual(parse_decimal("85,5"), Decimal("85.5"))
        self.assertEqual(parse_decimal("85.5"), Decimal("85.5"))

    def test_it_reads_grouped_thousands_either_way(self):
        for text in ("1.234,5", "1,234.5", "1 234,5"):
            with self.subTest(text):
                self.assertEqual(parse_decimal(text), Decimal("1234.5"))
        self.assertEqual(parse_decimal("1.234.567"), Decimal("1234567"))

    def test_it_ignores_a_percent_sign(self):
        self.assertEqual(parse_decimal("85,5 %"), Decimal("85.5"))
        self.assertEqual(parse_decimal("-2"), Decimal("-2"))

    def test_it_rejects_what_is_not_a_number(self):
        for text in ("", "abc", "85,5,5.1", "NaN", "Infinity", "1e5", "2,", ",", "khoảng 80"):
            with self.subTest(text), self.assertRaises(ValueError):
                parse_decimal(text)


class CellTests(SimpleTestCase):
    def test_whole_floats_lose_their_point_and_codes_their_zeros_come_back(self):
        self.assertEqual(cell(2024.0), "2024")
        self.assertEqual(cell(4, width=5), "00004")
        self.assertEqual(cell("  Dân   Lý "), "Dân Lý")
        self.assertEqual(cell(None), "")
