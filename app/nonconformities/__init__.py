"""Nonconformities and corrective action (ISO/IEC 27001:2022 10.1, 10.2): one register fed by
internal and external audits, incidents, failed control tests, complaints and what the ISMS team
finds itself."""
