"""The pydicom + numpy side of the series-load benchmark: read every file of one series, sort by position along
the slice normal, stack into int16 HU. Prints one JSON line like the C# side."""
import json
import os
import resource
import sys
import time

import numpy as np
import pydicom

folder = sys.argv[1]
start = time.perf_counter()
slices = []
for root, _, names in os.walk(folder):
    for name in names:
        ds = pydicom.dcmread(os.path.join(root, name))
        if "PixelData" not in ds or ds.get("Modality") != "CT":
            continue
        slices.append(ds)
row, col = np.array(slices[0].ImageOrientationPatient[:3], float), np.array(slices[0].ImageOrientationPatient[3:], float)
normal = np.cross(row, col)
slices.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
volume = np.empty((len(slices), slices[0].Rows, slices[0].Columns), np.int16)
for k, ds in enumerate(slices):
    volume[k] = np.rint(ds.pixel_array * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0)))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"Seconds": seconds, "Megabytes": volume.nbytes / 1e6, "PeakRssMb": peak, "ChildPeakRssMb": 0, "Slices": len(slices)}))
