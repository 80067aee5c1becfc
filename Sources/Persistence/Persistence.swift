// Persistence: the SQLite store (models, datasets, jobs, events) and the content-addressed blob store.
