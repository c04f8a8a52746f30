"""Input and output formats: plain text files and JSONL (Workbench's own, Prodigy, doccano)."""
