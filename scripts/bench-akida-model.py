"""Builds the real-sized benchmark model of scripts/bench-akida.sh with the reference toolchain:
akida_models akidanet_imagenet at 224x224x3, alpha 0.5, 1000 classes (random weights), quantized by
quantizeml (8-bit defaults, calibrated on random images) and converted by cnn2snn for Akida 2.0.

Usage: python bench-akida-model.py <output directory>
Writes akida_v2.json (akida.model_to_json) and inputs.npy (8 uint8 images).
"""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
import akida  # noqa: E402
import akida_models  # noqa: E402
import cnn2snn  # noqa: E402
from quantizeml.models import quantize  # noqa: E402

rng = np.random.default_rng(12)
model = akida_models.akidanet_imagenet(input_shape=(224, 224, 3), alpha=0.5, classes=1000)
calibration = rng.integers(0, 256, size=(16, 224, 224, 3), dtype=np.uint8).astype(np.float32)
qmodel = quantize(model, samples=calibration, num_samples=16, batch_size=8, epochs=1)
ak = cnn2snn.convert(qmodel)
with open(os.path.join(out, "akida_v2.json"), "w") as f:
    f.write(akida.model_to_json(ak))
np.save(os.path.join(out, "inputs.npy"), rng.integers(0, 256, size=(8, 224, 224, 3), dtype=np.uint8))
print(f"{out}: {len(ak.layers)} layers, output {ak.output_shape}")
