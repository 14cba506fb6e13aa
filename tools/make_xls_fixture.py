#!/usr/bin/env python3
"""Writes tests/fixtures/customers.xls, the Excel 97-2003 workbook the
workbook tests read, with xlwt (the Python writer of that format; no Rust
writer exists). Run from the repository root: python3 tools/make_xls_fixture.py
Every value is synthetic."""
import datetime

import xlwt

book = xlwt.Workbook()
sheet = book.add_sheet("Customers")
sheet.write(0, 0, "Customer export")
for c, name in enumerate(["name", "ssn", "dob", "email"]):
    sheet.write(2, c, name)
date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
sheet.write(3, 0, "Jane Roe")
sheet.write(3, 1, 512483921)
sheet.write(3, 2, datetime.date(1984, 7, 2), date)
sheet.write(3, 3, "jane.roe@example.org")
notes = book.add_sheet("Notes")
notes.write(0, 0, "note")
notes.write(1, 0, "paid with 4954 2555 0349 1068, thanks")
book.save("tests/fixtures/customers.xls")
