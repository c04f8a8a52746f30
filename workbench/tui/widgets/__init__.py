"""Widgets of the annotation interface."""
