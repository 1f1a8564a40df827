"""The columns of the product lifecycle list's CSV and XLSX download, which its import reads back
(its Items column is read and ignored)."""

from __future__ import annotations

from app.common.export import Column

# One row per product with the number of items running it (a Product and its item_count).
PRODUCT_COLUMNS = [
    Column("Product", lambda row: row.Product.name, 32),
    Column("Version", lambda row: row.Product.release, 14),
    Column("End of support", lambda row: row.Product.end_of_support, 14),
    Column("Items", lambda row: row.item_count, 8),
    Column("Source", lambda row: row.Product.source, 40),
    Column("Note", lambda row: row.Product.note, 60),
]
