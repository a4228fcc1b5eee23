"""Reads every JPEG in a folder with ZXing-C++'s own Python package (zxing-cpp on PyPI), for the bench's comparison
column: prints one JSON object {"file": text or null}. Run by bench/src/photos.ts only when `import zxingcpp` works
(pip install zxing-cpp pillow); the bench says so when it does not."""
import json
import os
import sys

import zxingcpp
from PIL import Image

folder = sys.argv[1]
out = {}
for name in sorted(os.listdir(folder)):
    if not name.endswith(".jpg"):
        continue
    img = Image.open(os.path.join(folder, name))
    # The package's defaults (try harder, rotate, invert, downscale), QR only: as a user of the library would call it.
    found = [r for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode) if r.valid]
    out[name] = bytes(found[0].bytes).decode("utf-8", "replace") if found else None
print(json.dumps(out))
