"""Training spaCy pipelines on the workbench's own labels, and putting them back to work:
``run`` (spaCy's training), ``registry`` (``models/``), ``predict`` (suggestions),
``uncertainty`` (what to annotate next)."""
