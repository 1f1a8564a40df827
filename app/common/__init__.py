"""Pieces shared by two or more packages: column types, model mixins, list pages, exports, imports,
uploads, form fields and choices. Nothing here imports a register (tests/test_architecture.py)."""
