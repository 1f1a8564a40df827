"""Cross-cutting parts of the web app: landing page, health, errors, security headers, CLI."""
