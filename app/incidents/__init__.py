"""Security incidents (ISO/IEC 27001:2022 A.5.24-5.28, A.6.8) and the POPIA s22 notification of
security compromises: events anyone reports, triaged and handled by the security officer."""
