"""The context of the ISMS: issues, interested parties and their requirements, the scope statement, roles."""
