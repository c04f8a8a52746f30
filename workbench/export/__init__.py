"""Training data out: spaCy ``DocBin`` corpora with a config, JSONL for Prodigy and doccano."""
