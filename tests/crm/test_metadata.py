"""The Salesforce metadata an admin deploys holds every field the sync writes, well-formed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from crm.mapping import EXTERNAL_ID, MAPPINGS

SOURCE = Path(__file__).parents[2] / "crm" / "salesforce" / "force-app" / "main" / "default"
NS = {"sf": "http://soap.sforce.com/2006/04/metadata"}
STANDARD = {("Contact", "LastName"), ("Contact", "Email")}
COMPATIBLE = {  # what the mapping declares → the Salesforce field types that take it
    "Text": {"Text", "TextArea", "LongTextArea", "Picklist"},
    "Number": {"Number", "Currency"},
    "Url": {"Url"},
    "DateTime": {"DateTime"},
    "Checkbox": {"Checkbox"},
    "Picklist": {"Picklist"},
    "Lookup": {"Lookup", "MasterDetail"},
    "Email": {"Email"},
}


def field(sobject: str, name: str) -> ET.Element:
    path = SOURCE / "objects" / sobject / "fields" / f"{name}.field-meta.xml"
    assert path.exists(), f"{sobject}.{name} is not in the metadata"
    return ET.parse(path).getroot()


def test_every_file_is_well_formed_metadata():
    files = list(SOURCE.rglob("*-meta.xml"))
    assert len(files) > 30
    for path in files:
        assert ET.parse(path).getroot().tag.startswith("{" + NS["sf"] + "}"), path


def test_every_field_the_sync_writes_exists_with_a_compatible_type():
    for mapping in MAPPINGS:
        for name, kind in mapping.fields.items():
            if name == "Name" or (mapping.sobject, name) in STANDARD:
                continue
            declared = field(mapping.sobject, name).findtext("sf:type", namespaces=NS)
            assert declared in COMPATIBLE[kind], (mapping.sobject, name, declared)


def test_each_object_has_a_unique_external_id():
    for mapping in MAPPINGS:
        external = field(mapping.sobject, EXTERNAL_ID)
        assert external.findtext("sf:externalId", namespaces=NS) == "true"
        assert external.findtext("sf:unique", namespaces=NS) == "true"


def test_the_integration_user_may_write_every_custom_field():
    permissions = ET.parse(
        SOURCE / "permissionsets" / "Studio_Integration.permissionset-meta.xml"
    ).getroot()
    editable = {
        p.findtext("sf:field", namespaces=NS)
        for p in permissions.findall("sf:fieldPermissions", NS)
        if p.findtext("sf:editable", namespaces=NS) == "true"
    }
    for mapping in MAPPINGS:
        for name in [*mapping.fields, EXTERNAL_ID]:
            if name.endswith("__c"):
                assert f"{mapping.sobject}.{name}" in editable


def report_type_columns(name: str) -> set[tuple[str, str]]:
    """(table, field) pairs a custom report type offers its reports."""
    path = SOURCE / "reportTypes" / f"{name.removesuffix('__c')}.reportType-meta.xml"
    assert path.exists(), f"report type {name} is not in the metadata"
    return {
        (column.findtext("sf:table", namespaces=NS), column.findtext("sf:field", namespaces=NS))
        for column in ET.parse(path).getroot().iterfind("sf:sections/sf:columns", NS)
    }


def test_every_report_uses_fields_its_report_type_offers():
    reports = list((SOURCE / "reports").rglob("*.report-meta.xml"))
    assert {p.name.removesuffix(".report-meta.xml") for p in reports} >= {
        "Projects_by_Status",
        "Credits_by_Month",
    }
    for path in reports:
        report = ET.parse(path).getroot()
        assert (path.parent.parent / f"{path.parent.name}.reportFolder-meta.xml").exists()
        offered = report_type_columns(report.findtext("sf:reportType", namespaces=NS))
        used = [
            e.text for e in report.iter() if e.tag.endswith(("}field", "}column", "}dateColumn"))
        ]
        for name in used:
            table, field_name = name.split("$")
            assert (table, field_name) in offered, (path.name, name)


def test_every_dashboard_component_shows_a_report_in_the_metadata():
    dashboards = list((SOURCE / "dashboards").rglob("*.dashboard-meta.xml"))
    assert dashboards
    for path in dashboards:
        assert (path.parent.parent / f"{path.parent.name}.dashboardFolder-meta.xml").exists()
        for report in ET.parse(path).getroot().iterfind(".//sf:components/sf:report", NS):
            folder, name = report.text.split("/")
            assert (SOURCE / "reports" / folder / f"{name}.report-meta.xml").exists(), report.text
