"""Accounts, roles and permissions, signing in, lockout and two-factor sign-in."""
