"""The product lifecycle list: products and versions with the vendor's end-of-support date (and
where it can be checked), which configuration items inherit unless they carry a date of their own.

It owns the `product` table (models.py), the list shipped in app/data/product-lifecycle.csv and
the rules and writes of a product (services.py), its form (forms.py), its import (importing.py),
the list's reads and export columns (queries.py, exports.py), and its pages under /assets/products
on the "products" blueprint (views.py holds the blueprint; list_views.py, record_views.py and
import_views.py the routes). Items are the CMDB's (app/assets): an item names its product
(Asset.product), and the product's services update the items that inherit a new date.
"""
