"""Administration: users, departments, organisation settings, the risk matrix and categories, and
the case settings. The blueprint is in views.py, the pages in *_views.py."""
