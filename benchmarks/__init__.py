"""Timing of Khusela's heaviest pages and checks on a realistically large database (`make bench`)."""
