"""The checkable fields are listed once and every reader agrees with that list."""
import creditlab.certification as certification
import creditlab.data as data
import creditlab.rubric as rubric
from creditlab.core.fields import CHECK_FIELDS, CONTEXT_FIELDS, CONTEXT_SPEC, FIELD_LABELS, SCORE_FIELDS


def test_thirteen_context_fields_and_two_score_fields():
    assert len(CONTEXT_SPEC) == 13 and set(SCORE_FIELDS) == {"mandatory_unmet", "total"}
    assert set(CONTEXT_FIELDS.values()) <= {"bool", "per_10000", "count", "percent"}
    assert CHECK_FIELDS == ("mandatory_unmet", "total", *CONTEXT_SPEC)
    assert all(zh and en for zh, en in FIELD_LABELS.values())


def test_loaders_and_certification_use_the_one_table():
    assert rubric.CHECK_FIELDS is CHECK_FIELDS
    assert data.CONTEXT_FIELDS is CONTEXT_FIELDS
    assert certification.FIELD_LABELS is FIELD_LABELS


def test_every_field_a_bundled_rubric_checks_is_known():
    for name in rubric.list_rubrics():
        for cond in (rubric.load_rubric(name).certification or {}).get("conditions") or []:
            for chk in cond["checks"]:
                assert chk["field"] in CHECK_FIELDS, (name, chk)
