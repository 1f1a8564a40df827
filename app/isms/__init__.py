"""The management system as a whole: the certification-evidence page that walks clauses 4 to 10 and
the Annex A artefacts, each with where it is kept, its standing and its gaps."""
