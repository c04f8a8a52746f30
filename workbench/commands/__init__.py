"""Sub-commands that live in modules of their own; each registers on ``workbench.cli.app`` when
``workbench.cli`` imports it (at its end, so the shared options and helpers exist by then)."""
