// Akida model formats: akida's model_to_json schema and SpikeForge's .fbz container.
