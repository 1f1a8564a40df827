"""Internal audit (ISO/IEC 27001:2022 9.2): the audit programme of a cycle, audits with their scope,
criteria and objective auditors, checklists, findings raised as nonconformities, and issued reports."""
