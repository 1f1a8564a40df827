"""The hash-chained audit log: record() for every write, verify_chain(), the /audit page."""
