// Quantization: QuantizeML-exact parameters, q_config, transforms, calibration and integer layers.
