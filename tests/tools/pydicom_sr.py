#!/usr/bin/python3
"""Reads a TID 1500 measurement report with pydicom (Debian's python3-pydicom), independently of CtBone's writer.

usage: /usr/bin/python3 pydicom_sr.py FILE

Prints one JSON document: the SOP class, the document title, and per measurement group (125007, DCM) its tracking
identifier, finding site code, the ELLIPSE graphic data with the SOP instance it is selected from, and every NUM
with its concept, value, unit and derivation; then the qualitative evaluations' codes and texts; the verifying
observers and the predecessor documents of a revised report.
"""

import json
import sys

import pydicom


def code(seq):
    item = seq[0]
    return {"value": item.CodeValue, "scheme": item.CodingSchemeDesignator, "meaning": item.CodeMeaning}


def concept(item):
    return code(item.ConceptNameCodeSequence) if "ConceptNameCodeSequence" in item else None


def children(item):
    return list(item.ContentSequence) if "ContentSequence" in item else []


def group(item):
    result = {"numbers": []}
    for child in children(item):
        name = concept(child)
        kind = child.ValueType
        if kind == "TEXT" and name["value"] == "112039":
            result["trackingIdentifier"] = child.TextValue
        elif kind == "CODE" and name["value"] == "363698007":
            result["findingSite"] = code(child.ConceptCodeSequence)
        elif kind == "SCOORD":
            image = children(child)[0]
            ref = image.ReferencedSOPSequence[0]
            result["scoord"] = {
                "graphicType": child.GraphicType,
                "graphicData": [float(v) for v in child.GraphicData],
                "relationship": image.RelationshipType,
                "sopClassUid": ref.ReferencedSOPClassUID,
                "sopInstanceUid": ref.ReferencedSOPInstanceUID,
            }
        elif kind == "NUM":
            measured = child.MeasuredValueSequence[0]
            number = {
                "concept": name,
                "value": float(measured.NumericValue),
                "unit": code(measured.MeasurementUnitsCodeSequence),
                "modifiers": {},
            }
            for modifier in children(child):
                key = concept(modifier)["meaning"]
                number["modifiers"][key] = code(modifier.ConceptCodeSequence)["meaning"] if modifier.ValueType == "CODE" else modifier.TextValue
            result["numbers"].append(number)
    return result


def main():
    ds = pydicom.dcmread(sys.argv[1])
    report = {
        "sopClassUid": ds.SOPClassUID,
        "title": concept(ds),
        "completionFlag": ds.CompletionFlag,
        "verificationFlag": ds.VerificationFlag,
        "sopInstanceUid": ds.SOPInstanceUID,
        "seriesInstanceUid": ds.SeriesInstanceUID,
        "verifyingObservers": [
            {"name": str(o.VerifyingObserverName), "organization": o.VerifyingOrganization, "dateTime": o.VerificationDateTime}
            for o in ds.get("VerifyingObserverSequence", [])
        ],
        "predecessors": [
            {"studyInstanceUid": p.StudyInstanceUID, "seriesInstanceUid": s.SeriesInstanceUID,
             "sopClassUid": r.ReferencedSOPClassUID, "sopInstanceUid": r.ReferencedSOPInstanceUID}
            for p in ds.get("PredecessorDocumentsSequence", [])
            for s in p.ReferencedSeriesSequence
            for r in s.ReferencedSOPSequence
        ],
        "groups": [],
        "evaluations": [],
    }
    for item in children(ds):
        name = concept(item)
        if name["value"] == "126010":
            report["groups"] = [group(g) for g in children(item) if concept(g)["value"] == "125007"]
        elif name["value"] == "C0034375":
            for evaluation in children(item):
                value = code(evaluation.ConceptCodeSequence) if evaluation.ValueType == "CODE" else evaluation.TextValue
                report["evaluations"].append({"concept": concept(evaluation), "value": value})
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
