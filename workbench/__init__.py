"""Workbench: a terminal annotation workbench for claim spans, stance and topics."""

__version__ = "0.1.0"
