"""Regenerate the option tables of docs/CONFIG.md from the code (`attnkit config`'s rows).

    python tools/config_tables.py    # rewrites docs/CONFIG.md's four tables in place

Each "### SECTION: ..." heading is followed by one table of that section's keys; the prose around
the tables is left as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from attnkit.config import describe_fields

DOC = Path(__file__).resolve().parents[1] / "docs" / "CONFIG.md"


def table(section: str) -> list[str]:
    rows = [(key, default, meaning) for key, default, meaning in describe_fields() if key.split(".")[0] == section]
    return ["| key | default | meaning |", "|---|---|---|"] + [f"| `{k}` | `{d}` | {m} |" for k, d, m in rows]


def main() -> None:
    lines, out, i = DOC.read_text(encoding="utf-8").splitlines(), [], 0
    while i < len(lines):
        out.append(lines[i])
        heading = re.match(r"### (\w+): ", lines[i])
        i += 1
        if heading:
            while i < len(lines) and not lines[i].startswith("|"):
                out.append(lines[i])
                i += 1
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            out.extend(table(heading.group(1)))
    DOC.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
