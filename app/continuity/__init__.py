"""Business continuity (ISO/IEC 27001:2022 A.5.29, 5.30, 8.13, 8.14): the business impact analysis of
the key applications and services, their continuity and disaster-recovery plans as versioned
documents, and the tests and exercises that show the plans and backups work."""
