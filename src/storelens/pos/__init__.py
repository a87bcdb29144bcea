"""Point of sale: till receipts in (CSV export or API), matched to visitors, and conversion out.

>>> from storelens.pos import read_receipts_csv, store_receipts       # doctest: +SKIP
>>> read = read_receipts_csv(path.read_bytes(), config.pos, config.tz)  # doctest: +SKIP
>>> store_receipts(db, "corner-shop", read.receipts)  # new / unchanged / updated  # doctest: +SKIP
"""

from storelens.pos.csv_import import PosFileError, ReadReceipts, RowProblem, read_receipts_csv
from storelens.pos.importer import ImportReport, import_csv, store_receipts
from storelens.pos.items import receipt_from_item
from storelens.pos.receipts import Receipt, ReceiptLine, content_hash, receipt_problem

__all__ = [
    "ImportReport",
    "PosFileError",
    "ReadReceipts",
    "Receipt",
    "ReceiptLine",
    "RowProblem",
    "content_hash",
    "import_csv",
    "read_receipts_csv",
    "receipt_from_item",
    "receipt_problem",
    "store_receipts",
]
