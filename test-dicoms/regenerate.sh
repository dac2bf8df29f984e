#!/usr/bin/env bash
# Regenerates every study in test-dicoms/ with `ctbone phantom` (see README.md here for what each one is for).
# Output is deterministic: the same seed and options give byte-identical files.
set -euo pipefail
cd "$(dirname "$0")/.."

phantom() {
  local name=$1
  shift
  rm -rf "test-dicoms/$name"
  dotnet run --project src/CtBone.Cli -c Release -- phantom "test-dicoms/$name" "$@"
}

# Shared by all: a 256² matrix at 1.4 mm (358 mm field) and 8 HU of noise, about what 12 HU at 1 mm gives at 3 mm.
common=(--matrix 256 --pixel-spacing 1.4 --noise 8)

phantom standard        "${common[@]}" --slice-thickness 3 --seed 101 --extra localizer,sagittal,thick --syntax jpegls
phantom osteoporotic    "${common[@]}" --slice-thickness 3 --seed 102 --preset osteoporotic --coverage T11-S1 --position FFS --unsigned --bits-stored 12 --syntax j2k --names random
phantom screws-l4-l5    "${common[@]}" --slice-thickness 3 --seed 103 --preset osteopenic --screws L4,L5 --coverage L2-S1 --syntax jpegls --names dcm
phantom fracture-l1     "${common[@]}" --slice-thickness 3 --seed 104 --preset osteoporotic --fracture L1:moderate --coverage T10-L4 --syntax jpeg
phantom transitional-l6 "${common[@]}" --slice-thickness 3 --seed 105 --lumbar 6 --coverage T11-S1 --syntax jpeg --names random
phantom partial-t12-l3  "${common[@]}" --slice-thickness 2 --seed 106 --coverage T12-L3 --contrast portal --syntax j2k --age none

du -sh test-dicoms
