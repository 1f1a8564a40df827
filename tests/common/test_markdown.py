"""User-written Markdown shown as HTML: formatting kept, anything that could run or mislead dropped."""

from __future__ import annotations

import re

import pytest

from app.common.markdown import headings, render, sections


def test_formatting_is_kept():
    html = render("## 4.2 Sharing\n\n**Never** share *passwords*.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    for tag in ("<h2>4.2 Sharing</h2>", "<strong>Never</strong>", "<em>passwords</em>", "<li>one</li>",
                "<td>1</td>"):
        assert tag in html


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
    '<a href="https://x" onclick="alert(1)">x</a>', "<iframe src='https://evil'></iframe>",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
])
def test_nothing_that_runs_survives(attack):
    html = render(attack)
    tags = re.findall(r"<[^>]*>", html)
    assert not [tag for tag in tags if re.match(r"</?(script|img|iframe)", tag)]
    assert not [tag for tag in tags if re.search(r"\son\w+=|javascript:|data:", tag)]


def test_links_open_safely():
    assert render("[site](https://www.gov.za)") == (
        '<p><a href="https://www.gov.za" rel="noopener noreferrer">site</a></p>\n')


def test_headings_move_down_under_a_page_heading():
    html = render("# Policy\n## 4 Passwords\n###### Deep", top_heading=3)
    assert "<h3>Policy</h3>" in html and "<h4>4 Passwords</h4>" in html and "<h6>Deep</h6>" in html


def test_the_outline_lists_each_heading_with_its_level():
    assert headings("# T\ntext\n## 4.1 Length\n## 4.2 Sharing") == [(1, "T"), (2, "4.1 Length"), (2, "4.2 Sharing")]


def test_sections_carry_the_plain_text_under_each_heading():
    assert sections("## 4.1 Length\nAt least **12** characters.\n\n- no names\n\n## 4.2 Sharing\n\n## 5") == [
        (2, "4.1 Length", "At least 12 characters. no names"), (2, "4.2 Sharing", ""), (2, "5", "")]
