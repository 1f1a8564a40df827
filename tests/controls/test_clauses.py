"""The requirement clauses 4-10 the internal audit programme covers and nonconformities cite."""

from app.controls.clauses import CHAPTERS, CLAUSES_BY_NUMBER, MANAGEMENT_CLAUSES, clause_choices


def test_every_chapter_4_to_10_is_covered_once_per_clause():
    numbers = [clause.number for clause in MANAGEMENT_CLAUSES]
    assert len(numbers) == len(set(numbers)) == len(CLAUSES_BY_NUMBER)
    assert {clause.chapter for clause in MANAGEMENT_CLAUSES} == set(CHAPTERS) == {str(n) for n in range(4, 11)}
    # 2022 numbering: nonconformity is 10.2 (2013 had it at 10.1); planning of changes 6.3 is new.
    assert CLAUSES_BY_NUMBER["10.2"].title == "Nonconformity and corrective action"
    assert "6.3" in CLAUSES_BY_NUMBER and "6.1.3" in CLAUSES_BY_NUMBER


def test_the_choices_read_as_number_and_title():
    assert ("9.2", "9.2 Internal audit") in clause_choices()
    assert all(len(label) > 5 for _, label in clause_choices())
