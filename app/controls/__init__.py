"""Controls catalogue, Statement of Applicability, evidence and control tests."""
