#!/usr/bin/env python3
"""Rewrites the settings table of README.md from Sources/SwiftChatServer/Configuration/SettingsTable.swift.

Run from the package folder after adding or changing a setting; the test suite checks that
README.md names every setting.
"""
import re
import sys

SOURCE = "Sources/SwiftChatServer/Configuration/SettingsTable.swift"
SPEC = re.compile(r'SettingSpec\(name: "([A-Z0-9_]+)", defaultValue: (nil|"(?:[^"\\]|\\.)*"|[A-Za-z.]+), help: "((?:[^"\\]|\\.)*)"\)')


def flag(name: str) -> str:
    bare = name[len("SWIFTCHAT_"):] if name.startswith("SWIFTCHAT_") else name
    return "--" + bare.lower().replace("_", "-")


def table() -> str:
    rows = ["| Variable | Flag | Default | What it does |", "|---|---|---|---|"]
    for name, default, text in SPEC.findall(open(SOURCE, encoding="utf-8").read()):
        if default == "nil":
            shown = "(unset)"
        elif not default.startswith('"'):
            shown = "(see --help)"  # a default computed in Swift, too long for the table
        else:
            shown = default[1:-1] or "(empty)"
        text = text.replace('\\"', '"').replace("|", "\\|")
        rows.append(f"| `{name}` | `{flag(name)}` | `{shown}` | {text} |")
    return "\n".join(rows)


readme = open("README.md", encoding="utf-8").read()
start = readme.index("| Variable | Flag | Default | What it does |")
end = readme.index("\n\n", start)
open("README.md", "w", encoding="utf-8").write(readme[:start] + table() + readme[end:])
sys.exit(0)
