"""The TUI's screens: annotator picker, document list, annotation, help."""
