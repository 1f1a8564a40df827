"""Administration: departments, users and organisation settings (views in views.py)."""
