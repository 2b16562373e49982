"""Verdict words: one table, read by the county report, the index and the sensitivity report."""
import creditlab.htmlpage as htmlpage
import creditlab.report as report
import creditlab.sensitivity_figures as sf
from creditlab.certification import VERDICTS
from creditlab.core.labels import VERDICT_COLORS, VERDICT_LABELS, VERDICT_WORDS


def test_every_verdict_has_full_and_short_words():
    assert set(VERDICT_LABELS) == set(VERDICTS) == set(VERDICT_WORDS)
    for v in VERDICTS:
        assert VERDICT_LABELS[v][0].startswith(VERDICT_WORDS[v][0].split("（")[0])


def test_documents_share_the_table():
    assert report.VERDICT_LABELS is VERDICT_LABELS and htmlpage.VERDICT_LABELS is VERDICT_LABELS
    assert sf.VERDICT_WORDS is VERDICT_WORDS


def test_one_colour_per_verdict_in_every_document():
    assert set(VERDICT_COLORS) == set(VERDICTS)
    assert htmlpage.VERDICT_COLORS is VERDICT_COLORS
    assert all(sf.COLORS[v] == VERDICT_COLORS[v] for v in VERDICTS)  # the sensitivity charts' undecided too
