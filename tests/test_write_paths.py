"""No stage writes a table outside Delta's transaction log: every table write goes through ``storage.py``
(MERGE, ``replaceWhere`` or append), and no job module writes, moves or deletes files itself (a source scan)."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "codesign_prevalence"
FILE_WRITES = re.compile(
    r"\.save\(|\.saveAsTable\(|\.insertInto\(|\.mode\(|rmtree|\.unlink\(|\.rename\(|\.replace\(\s*[\w.]*path"
    r"|os\.remove|\.write_text\(|\.write_bytes\(|open\([^)]*[\"'][wa]b?[\"']|\.write\.|\.writeTo\("
)
# Where a file write is the point: the one module that writes tables (through Delta), the storage root's
# writability probe, the run report (an HTML page and its PNG files, not a table), the JVM's class archive beside
# the jar cache and the log of a local Spark Connect server for the tests and benchmarks (spark.py) and the
# simulator, which writes its fleet files.
ALLOWED = {
    "storage.py": {".write.", ".mode(", ".save(", ".saveAsTable("},
    "spark.py": {".unlink(", ".write_text(", 'open("ab"'},
    "jobs/context.py": {".write_text(", ".unlink("},
    "jobs/report.py": {".write_text(", ".write_bytes("},
}
ALLOWED_FOLDERS = ("simulator/",)


def test_only_storage_writes_tables_and_only_through_delta() -> None:
    found: list[str] = []
    for module in sorted(PACKAGE.rglob("*.py")):
        name = module.relative_to(PACKAGE).as_posix()
        if name.startswith(ALLOWED_FOLDERS):
            continue
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), start=1):
            for match in FILE_WRITES.finditer(line.split("#")[0]):
                if match.group(0) not in ALLOWED.get(name, set()):
                    found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_storage_writes_are_delta_transactions() -> None:
    storage = (PACKAGE / "storage.py").read_text(encoding="utf-8")
    assert storage.count('.write.format("delta")') == 3 and '.option("replaceWhere"' in storage
    assert storage.count('.mode("append")') == 1 and storage.count('.mode("overwrite")') == 1
    assert storage.count('.mode("error")') == 1  # a table's first rows, as its creating commit
    assert storage.count('.saveAsTable(') == 1 and storage.count(".save(") == 1  # one place runs both writes
    assert storage.count('f"MERGE INTO {target.identifier}') == 2 and "DeltaTable" not in storage.split('"""', 2)[2]
