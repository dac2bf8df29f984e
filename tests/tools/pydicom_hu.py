#!/usr/bin/python3
"""Reference HU for CtBone's reader tests, from pydicom (Debian's python3-pydicom and python3-numpy).

usage: /usr/bin/python3 pydicom_hu.py OUTDIR FILE [FILE ...]

For each FILE (numbered from 0 in argument order) it writes OUTDIR/<n>.i16, the HU as raw little-endian int16
in row-major order (pixel_array * RescaleSlope + RescaleIntercept, rounded half away from zero), and one
OUTDIR/manifest.json describing every file: header values as pydicom reads them, and how the pixels were decoded.

pydicom 2.3 decodes native, deflated and RLE data by itself. For JPEG and JPEG-LS it needs handlers Debian does
not ship, so those files are first decompressed with dcmtk (dcmdjpeg, dcmdjpls; an independent decoder) and the
uncompressed copy is read by pydicom; "via" in the manifest says so. JPEG 2000 has no such path: it is reported
as not decodable, and the test decides what to compare it with.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pydicom

DCMTK_DECODERS = {
    "1.2.840.10008.1.2.4.50": "dcmdjpeg",
    "1.2.840.10008.1.2.4.51": "dcmdjpeg",
    "1.2.840.10008.1.2.4.57": "dcmdjpeg",
    "1.2.840.10008.1.2.4.70": "dcmdjpeg",
    "1.2.840.10008.1.2.4.80": "dcmdjpls",
    "1.2.840.10008.1.2.4.81": "dcmdjpls",
}


def number(value):
    return None if value is None or value == "" else float(value)


def numbers(value):
    return None if value is None else [float(v) for v in value]


def hu_of(ds):
    pixels = ds.pixel_array.astype(np.float64)
    slope = number(ds.get("RescaleSlope"))
    intercept = number(ds.get("RescaleIntercept"))
    hu = pixels * (1.0 if slope is None else slope) + (0.0 if intercept is None else intercept)
    rounded = np.sign(hu) * np.floor(np.abs(hu) + 0.5)
    if rounded.min() < -32768 or rounded.max() > 32767:
        raise ValueError("HU outside int16")
    return rounded.astype("<i2")


def describe(path, index, outdir, scratch):
    entry = {"file": path, "ok": False}
    try:
        ds = pydicom.dcmread(path)
    except Exception as e:  # noqa: BLE001 - any failure is a result to report
        entry["error"] = f"{type(e).__name__}: {e}"
        return entry

    ts = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    entry.update(
        transferSyntax=ts,
        modality=ds.get("Modality"),
        rows=ds.get("Rows"),
        columns=ds.get("Columns"),
        bitsAllocated=ds.get("BitsAllocated"),
        bitsStored=ds.get("BitsStored"),
        pixelRepresentation=ds.get("PixelRepresentation"),
        numberOfFrames=None if ds.get("NumberOfFrames") is None else int(ds.NumberOfFrames),
        rescaleSlope=number(ds.get("RescaleSlope")),
        rescaleIntercept=number(ds.get("RescaleIntercept")),
        pixelSpacing=numbers(ds.get("PixelSpacing")),
    )

    via = "pydicom"
    try:
        hu = hu_of(ds)
    except Exception as first:  # noqa: BLE001
        tool = DCMTK_DECODERS.get(ts)
        if tool is None:
            entry["error"] = f"pydicom cannot decode: {type(first).__name__}: {str(first).splitlines()[0]}"
            return entry
        plain = os.path.join(scratch, f"{index}.dcm")
        done = subprocess.run([tool, path, plain], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            entry["error"] = f"{tool} failed ({done.returncode}): {done.stderr.strip()}"
            return entry
        try:
            hu = hu_of(pydicom.dcmread(plain))
        except Exception as e:  # noqa: BLE001
            entry["error"] = f"pydicom cannot read the {tool} output: {type(e).__name__}: {e}"
            return entry
        via = f"{tool} then pydicom"

    if hu.ndim != 2:
        entry["error"] = f"pixel_array has shape {hu.shape}, not one 2D frame"
        return entry

    name = f"{index}.i16"
    hu.tofile(os.path.join(outdir, name))
    entry.update(ok=True, via=via, hu=name, huShape=list(hu.shape))
    return entry


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pydicom-hu-") as scratch:
        manifest = [describe(path, i, outdir, scratch) for i, path in enumerate(argv[2:])]
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"pydicom": pydicom.__version__, "numpy": np.__version__, "files": manifest}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
