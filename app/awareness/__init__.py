"""Awareness and training (ISO/IEC 27001:2022 A.6.3, clauses 7.2 and 7.3): campaigns with their topic,
audience, channel, dates and material; who completed or attended each (recorded by hand or imported
from the training system); completion rates per department over time; and, on each person's
training record, the training a policy-violation case requires of them."""
