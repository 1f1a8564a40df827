"""Management review (ISO/IEC 27001:2022 9.3): the meeting, its inputs compiled as of a date into a
frozen review pack (inputs.py: one registry of sections, one per 9.3.2 item), the minutes, the
decisions and actions (9.3.3) tracked until done, the approval, and the comparison of two reviews."""
