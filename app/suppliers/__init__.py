"""The supplier register (ISO/IEC 27001:2022 A.5.19-5.23): who supplies which services, what
information and systems they touch, the security their contract requires, when they were last
assessed, and, for cloud services, where they host and how the organisation would leave."""
