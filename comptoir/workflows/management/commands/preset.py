"""`comptoir preset load NAME…` (WF-8) and `comptoir preset list`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comptoir.workflows.presets import PRESET_NAMES
from comptoir.workflows.presets.loader import load_preset, preset_data


class Command(BaseCommand):
    help = "Load one or more of the shipped presets (spt, ent, itil, n123); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser("load", help="load presets")
        load.add_argument("names", nargs="+", metavar="NAME", help=", ".join(PRESET_NAMES))
        sub.add_parser("list", help="list the presets")

    def handle(self, *args, **options) -> None:
        if options["verb"] == "list":
            for name in PRESET_NAMES:
                desk = preset_data(name)["desk"]
                self.stdout.write(f"{name}\t{desk['name_en']}")
            return
        unknown = [n for n in options["names"] if n not in PRESET_NAMES]
        if unknown:
            raise CommandError(
                f"Unknown preset {', '.join(unknown)}; choose among {', '.join(PRESET_NAMES)}."
            )
        for name in options["names"]:
            desk = load_preset(name)
            self.stdout.write(f"preset {name}: desk '{desk.slug}' ready")
