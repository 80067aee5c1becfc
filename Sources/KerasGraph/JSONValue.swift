// KerasGraph re-exports the JSON module: every engine module reads and writes Keras configs and
// q_configs as JSONValue without importing JSON itself.
@_exported import JSON
