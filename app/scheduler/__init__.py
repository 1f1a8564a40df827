"""Scheduled jobs (reminders, digests, pack housekeeping), run by exactly one process, and the
notifications they leave for users in the app and by e-mail."""
