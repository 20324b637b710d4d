"""The four presets shipped with the product (WF-8), one module each, and their loader."""

PRESET_NAMES = ("spt", "ent", "itil", "n123")
