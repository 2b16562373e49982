"""The long format and template layout (creditlab.loaders.formats) that the writer, the readers and ingest share;
and creditlab.data, the public face of the split loaders, still offering every name as the same object."""
from __future__ import annotations

import importlib

import openpyxl
import pytest

import creditlab
from creditlab.loaders import formats, indicators, ingest, template, validate, zones


@pytest.mark.filterwarnings("ignore::creditlab.data.DataWarning")  # an empty sheet is 未填报
def test_template_written_and_read_with_one_layout(tmp_path):
    path = template.write_template("shaanxi-2020", ["610102"], 2024, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert {formats.META_SHEET, formats.README_SHEET} <= set(wb.sheetnames)
    assert wb[formats.META_SHEET].sheet_state == "hidden"
    ws = wb["610102"]
    stored = str(ws["A2"].value)
    assert formats._STORED_CODE.search(stored)[1] == "610102" and formats._STORED_YEAR.search(stored)[1] == "2024"
    header = [c.value for c in ws[formats.HEADER_ROW]]
    labels = formats._template_labels()  # the level columns take the rubric's level names instead
    keys = [key for key, _, _ in formats._TEMPLATE_COLUMNS]
    assert {key: header[keys.index(key)] for key in labels} == labels
    # what the reader makes of it: the long format's columns
    assert list(indicators.read_workbook(path).columns) == formats.COLUMNS


def test_public_face_offers_every_name_as_the_same_object():
    old = importlib.import_module("creditlab.data")
    assert old is creditlab.loaders.data
    owners = {"load_data": indicators, "read_workbook": indicators, "completeness": indicators,
              "DataWarning": indicators, "infer_rubric": validate, "value_ids": validate, "load_zones": zones,
              "park_codes": zones, "assessment_units": zones, "zones_path": zones, "write_template": template,
              "context_fields": template, "ingest": ingest, "IngestResult": ingest, "write_problems": ingest,
              "cli_ingest": ingest, "cli_template": ingest, "COLUMNS": formats, "CONTEXT_SHEET": formats}
    for name, module in owners.items():
        assert getattr(old, name) is getattr(module, name), name
    for name in old.__all__:
        assert getattr(old, name) is not None, name
