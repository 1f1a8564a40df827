"""Backing up and restoring an installation: the database, the evidence files and the keys kept
outside the database, in one archive with a manifest of SHA-256 hashes (`flask --app wsgi backup`)."""
