"""Each import format becomes sections that follow the document's own structure."""

from __future__ import annotations

import io
from datetime import date

import pytest

from storage.policy.parse import UnsupportedFormat, parse_bytes, split_number, title_like

MARKDOWN = """\
---
title: Training Policy
version: 3.0
---
# Training Policy

Published: 28 March 2022 | Review date: 28 March 2024

## 1 Introduction

This policy explains how training is organised.

## 4 Keeping Competent

### 4.6 Maintaining Skills

Skills must be practised regularly. You must:

- attend drills on station;
- complete refresher training
  when it is due.

### 4.7 Recording Training

Record everything within seven days.
"""


def labels(doc) -> list[str]:
    return [s.label for s in doc.sections]


def test_markdown_numbered_headings_bullets_and_front_matter():
    doc = parse_bytes("training.md", MARKDOWN.encode())
    assert doc.title == "Training Policy"
    assert (doc.version, doc.published, doc.review) == ("3.0", date(2022, 3, 28), date(2024, 3, 28))
    assert labels(doc) == ["1 Introduction", "4.6 Maintaining Skills", "4.7 Recording Training"]
    skills = doc.sections[1]
    assert skills.number == "4.6" and skills.heading == "Maintaining Skills"
    assert skills.path == ("4 Keeping Competent",)
    assert skills.body.splitlines() == [
        "Skills must be practised regularly. You must:",
        "• attend drills on station;",
        "• complete refresher training when it is due.",
    ]


ROLE_PROFILE = """\
Role Profile: Watch Manager

Version 1.0
Published: 1 May 2024

Role Purpose

To lead a watch safely and well.

Key Accountabilities

- Lead the watch at incidents.
- Hold IPDR appraisals for crew managers.

Reports to: Station Manager
"""


def test_plain_text_title_like_lines_are_headings():
    doc = parse_bytes("watch-manager.txt", ROLE_PROFILE.encode())
    assert doc.title == "Role Profile: Watch Manager"
    assert doc.version == "1.0" and doc.published == date(2024, 5, 1)
    assert labels(doc) == ["Role Purpose", "Key Accountabilities"]
    assert all(s.number is None for s in doc.sections)
    assert doc.sections[1].body.splitlines() == [
        "• Lead the watch at incidents.",
        "• Hold IPDR appraisals for crew managers.",
        "Reports to: Station Manager",
    ]


def test_html_headings_lists_and_tables():
    html = """<html><head><title>Intranet | CPD Guide</title><script>var x = 1;</script></head>
    <body><nav>Home | News</nav><h1>CPD Guide</h1>
    <p><strong>Version</strong> 1.2</p>
    <h2>2.1 What Counts as CPD</h2><p>Courses, coaching and reading count.</p>
    <ul><li>Courses</li><li>Reading<ul><li>Journals</li></ul></li></ul>
    <h2>Recording</h2><table><tr><td>Where</td><td>Learning record</td></tr></table>
    <footer>Cookie settings</footer></body></html>"""
    doc = parse_bytes("cpd.html", html.encode())
    assert doc.title == "CPD Guide" and doc.version == "1.2"
    assert labels(doc) == ["2.1 What Counts as CPD", "Recording"]
    assert doc.sections[0].body.splitlines() == [
        "Courses, coaching and reading count.", "• Courses", "• Reading", "• Journals",
    ]
    assert doc.sections[1].body == "Where | Learning record"
    assert "Cookie" not in doc.sections[1].body and "var x" not in doc.sections[0].body


def test_word_document_styles_and_numbering():
    import docx

    document = docx.Document()
    document.add_heading("Assessment Policy", level=0)
    document.add_paragraph("Version: 2.0")
    document.add_heading("3.2 Line Manager Responsibilities", level=2)
    document.add_paragraph("A line manager must:")
    document.add_paragraph("arrange workplace assessments", style="List Bullet")
    document.add_paragraph("check competences monthly", style="List Bullet")
    bold = document.add_paragraph()
    bold.add_run("Appeals").bold = True
    document.add_paragraph("You can appeal an assessment decision within 14 days.")
    buffer = io.BytesIO()
    document.save(buffer)

    doc = parse_bytes("assessment.docx", buffer.getvalue())
    assert doc.title == "Assessment Policy" and doc.version == "2.0"
    assert labels(doc) == ["3.2 Line Manager Responsibilities", "Appeals"]
    assert doc.sections[0].body.splitlines() == [
        "A line manager must:", "• arrange workplace assessments", "• check competences monthly",
    ]


def test_pdf_text_with_numbered_and_title_case_headings():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.set_title("Driving Policy")
    for line in [
        "Driving Policy",
        "Version 1.4",
        "1.1 Emergency Response Driving",
        "Only staff who hold the emergency response driving qualification may drive under blue lights.",
        "The qualification must be revalidated every three years.",
        "Vehicle Checks",
        "- Check tyres before each shift.",
        "- Report defects to the watch manager.",
    ]:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    doc = parse_bytes("driving.pdf", bytes(pdf.output()))
    assert doc.title == "Driving Policy" and doc.version == "1.4"
    assert labels(doc) == ["1.1 Emergency Response Driving", "Vehicle Checks"]
    assert "revalidated every three years" in doc.sections[0].body
    assert doc.sections[1].body.splitlines() == [
        "• Check tyres before each shift.", "• Report defects to the watch manager.",
    ]


def test_unsupported_format_is_refused():
    with pytest.raises(UnsupportedFormat):
        parse_bytes("policy.xlsx", b"PK")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.6 Maintaining Skills", ("4.6", "Maintaining Skills")),
        ("4.6. Maintaining Skills", ("4.6", "Maintaining Skills")),
        ("Section 7 - Appeals", ("7", "Appeals")),
        ("Role Purpose", (None, "Role Purpose")),
        ("2024 review of training", (None, "2024 review of training")),
    ],
)
def test_split_number(text, expected):
    assert split_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Key Accountabilities", True),
        ("Skills, Knowledge and Experience", True),
        ("Speak to your line manager", False),
        ("You must:", False),
        ("Reports to: Crew Manager", False),
        ("This is a sentence.", False),
    ],
)
def test_title_like(text, expected):
    assert title_like(text) is expected
