// Conversion: compatibility checks and quantized Keras graph to Akida 2.0 / 1.0 models.
