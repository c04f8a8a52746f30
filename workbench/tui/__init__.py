"""The Textual user interface: screens and widgets over the headless core."""
