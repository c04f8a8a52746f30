"""Interchange formats: each one reads and writes in its own module (``workbench``, ``prodigy``,
``doccano``, ``spacy_docbin``), found by name through ``registry``; ``text`` reads plain files."""
