"""Pieces shared by two or more packages: column types, model mixins, list pages, exports."""
