"""Real-world document shapes split as a person reads them (fixtures in tests/fixtures/policy, all fictional).

A role profile copied from a web page, a policy page saved as text, a Word guidance note, a PDF procedure
and an HTML page with its navigation still in it.
"""

from __future__ import annotations

from datetime import date

import pytest

from storage.policy.parse import ParsedDocument, parse_bytes
from tests.fixtures.policy.build import HERE, cpd_docx, documents, moc_pdf

CHROME = ("Skip to main content", "Leave Feedback", "Reading time", "Cookie", "Home >", "Page 1 of", "OFFICIAL",
          "Was this page helpful", "In this section", "Accessibility", "Menu")


def parsed(name: str) -> ParsedDocument:
    data = dict(documents())[name]
    return parse_bytes(name, data)


def labels(doc: ParsedDocument) -> list[str]:
    return [s.label for s in doc.sections]


def body(doc: ParsedDocument, label: str) -> list[str]:
    return next(s for s in doc.sections if s.label == label).body.splitlines()


def test_role_profile_copied_from_a_web_page():
    doc = parsed("sergeant-role-profile.txt")
    assert doc.title == "Police Sergeant (Response)"  # the site name and menu before it are not the title
    assert labels(doc) == [
        "Role Purpose", "Key Accountabilities", "Behaviours", "Values",
        "Education, Qualifications, Skills and Experience", "Prior Education and Experience",
        "Development and Assessment", "Links to other Profiles",
    ]
    assert body(doc, "Role Purpose")[0].startswith("To supervise a team of response officers")
    assert len(body(doc, "Key Accountabilities")) == 6
    assert all(line.startswith("• ") for line in body(doc, "Key Accountabilities"))
    # The framework's levels are a list under the sentence that introduces them, not six headings.
    assert body(doc, "Behaviours") == [
        "This role requires the following levels of the Competency and Values Framework (CVF):",
        "• We are emotionally aware – Level 2",
        "• We take ownership – Level 2",
        "• We are collaborative – Level 2",
        "• We deliver, support and inspire – Level 2",
        "• We analyse critically – Level 2",
        "• We are innovative and open-minded – Level 1",
    ]
    assert body(doc, "Values")[1:] == ["• Integrity", "• Impartiality", "• Public Service", "• Transparency"]
    assert body(doc, "Links to other Profiles") == [
        "• Police Constable (Response)", "• Police Inspector (Response)", "• Custody Sergeant", "• Detective Sergeant",
    ]


def test_policy_page_saved_as_text():
    doc = parsed("training-policy-page.txt")
    assert doc.title == "Training and Development Policy"
    # Read from the Document Control and Audit block at the end (the labelled version, not the history).
    assert (doc.version, doc.published, doc.review) == ("3.1", date(2025, 5, 14), date(2027, 5, 1))
    assert labels(doc)[:5] == ["1.1 Purpose", "1.2 Scope", "2 Principles", "3.1 Employees will", "3.2 Line Managers will"]
    assert "4.6 Maintaining Skills" in labels(doc) and "5.1 Travel to Courses" in labels(doc)
    assert labels(doc)[-1] == "7 Equality"
    skills = next(s for s in doc.sections if s.label == "4.6 Maintaining Skills")
    assert skills.path == ("4 Training Delivery",)
    managers = body(doc, "3.2 Line Managers will")
    assert len(managers) == 4 and all(line.startswith("• ") for line in managers)
    assert body(doc, "2 Principles")[0] == "Our approach to training is based on these principles:"
    everything = "\n".join(s.label + "\n" + s.body for s in doc.sections)
    for name in ("Priya Lockwood", "Daniel Okafor", "Document Control", "Version History", "Impact Assessment"):
        assert name not in everything


def test_word_guidance_with_control_table_and_bold_subheadings():
    doc = parse_bytes("cpd-guidance.docx", cpd_docx())
    assert doc.title == "Continuing Professional Development Guidance"
    assert (doc.version, doc.published, doc.review) == ("1.4", date(2025, 1, 9), date(2027, 1, 1))
    assert labels(doc) == [
        "1 Introduction", "2 What Counts as CPD", "3 How Much CPD", "4.1 The CPD Log", "4.2 Evidence",
        "Supervisors", "Individuals", "6 Professional Registration",
    ]
    supervisors = next(s for s in doc.sections if s.label == "Supervisors")
    assert supervisors.path == ("5 Responsibilities",)  # a bold subheading stays inside its numbered section
    assert body(doc, "Supervisors")[0] == "Supervisors must:"
    assert "Marcus Bell" not in "\n".join(s.body for s in doc.sections)


def test_pdf_procedure_without_its_running_header_and_footer():
    doc = parse_bytes("maintenance-of-competence.pdf", moc_pdf())
    assert doc.title == "Maintenance of Competence Procedure"
    assert (doc.version, doc.published, doc.review) == ("2.0", date(2024, 10, 1), date(2026, 10, 1))
    assert labels(doc) == [
        "1 Purpose", "2 The Maintenance of Competence Programme", "3 Breathing Apparatus",
        "4 Failing a Knowledge Check", "5 Lapsed Competence", "6 On-Call Staff", "7 Auditing the Programme",
    ]
    # The heading at the foot of page 1 keeps the text that runs on to page 2.
    assert body(doc, "4 Failing a Knowledge Check")[0].startswith("If you do not reach the pass mark")
    assert body(doc, "2 The Maintenance of Competence Programme")[-4:] == [
        "Each module includes:",
        "• an e-learning package that must be completed before the practical session;",
        "• a practical session on station led by a watch manager;",
        "• a short knowledge check with a pass mark of 80 per cent.",
    ]
    assert "Head of Operational Training" in body(doc, "7 Auditing the Programme")[0]
    assert "Owner" not in "\n".join(s.body for s in doc.sections)


def test_html_page_with_its_navigation_still_in_it():
    doc = parsed("driver-training.html")
    assert doc.title == "Driver Training" and doc.published == date(2025, 6, 3)
    assert labels(doc) == ["Introduction", "Who Needs Driver Training", "Courses", "Revalidation", "Licence Checks",
                           "Collisions"]
    assert body(doc, "Courses")[0] == "The Driver Training Unit runs these courses:"
    assert len(body(doc, "Courses")) == 4


@pytest.mark.parametrize("name", [name for name, _ in documents()])
def test_no_page_furniture_is_left_in_any_section(name):
    doc = parsed(name)
    assert doc.sections
    for section in doc.sections:
        text = section.label + "\n" + section.body
        for chrome in CHROME:
            assert chrome not in text, (section.label, chrome)
        words = section.heading.split()
        half = len(words) // 2
        assert len(words) < 2 or words[:half] != words[half:], section.heading  # not "Role Purpose Role Purpose"


def test_a_heading_doubled_on_one_line_comes_out_once():
    text = "Station Role\n\nRole Purpose Role Purpose\n\nTo run the station well.\n"
    doc = parse_bytes("station.txt", text.encode())
    assert labels(doc) == ["Role Purpose"]


def test_fixture_text_files_are_in_the_folder():
    assert (HERE / "sergeant-role-profile.txt").exists() and (HERE / "training-policy-page.txt").exists()


def test_web_copy_variants_bullet_marks_alone_on_their_line_and_no_blank_after_headings():
    text = """Watch Manager
Role Purpose
To lead a watch of firefighters safely and well.
Key Accountabilities
•
Lead the watch at incidents.
\uf0b7\tHold IPDR appraisals for crew managers.
Values
We expect everyone to show these values:
Integrity
Respect
Leave Feedback
"""
    doc = parse_bytes("watch-manager.txt", text.encode())
    assert doc.title == "Watch Manager"
    assert labels(doc) == ["Role Purpose", "Key Accountabilities", "Values"]
    assert body(doc, "Key Accountabilities") == ["• Lead the watch at incidents.", "• Hold IPDR appraisals for crew managers."]
    assert body(doc, "Values") == ["We expect everyone to show these values:", "• Integrity", "• Respect"]


def test_a_document_control_block_at_the_front_of_a_text_document():
    text = """Induction Procedure
Document Control
Version
1.2
Issue Date
4 April 2025
Author
Sam Reid
1. Purpose
1.1 New Starters
Every new starter completes a two week induction course.
"""
    doc = parse_bytes("induction.txt", text.encode())
    assert (doc.title, doc.version, doc.published) == ("Induction Procedure", "1.2", date(2025, 4, 4))
    assert labels(doc) == ["1.1 New Starters"] and doc.sections[0].path == ("1 Purpose",)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_policy_page_as_word_and_pdf_splits_as_the_text_does(fmt):
    from tests.fixtures.policy.build import policy_page_docx, policy_page_pdf

    text = parsed("training-policy-page.txt")
    data = policy_page_docx() if fmt == "docx" else policy_page_pdf()
    doc = parse_bytes(f"training-policy.{fmt}", data)
    assert doc.title == text.title
    assert (doc.version, doc.published, doc.review) == ("3.1", date(2025, 5, 14), date(2027, 5, 1))
    assert labels(doc) == labels(text)
    assert [s.path for s in doc.sections] == [s.path for s in text.sections]
    # A PDF line that wraps at the end of a sentence may start a new line; the words and bullets are the same.
    assert [s.body.replace("\n", " ") for s in doc.sections] == [s.body.replace("\n", " ") for s in text.sections]
    assert [s.body.count("• ") for s in doc.sections] == [s.body.count("• ") for s in text.sections]
