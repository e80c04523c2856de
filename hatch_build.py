"""The wheel's build hook: the shipped table's compiled-table entries, built into the wheel.

A lookup with the shipped table then reads them from the installed package (see
`mbc_lookup.table_cache`) instead of parsing the YAML on its first run and checking a cache
entry's shape on every later one. They are built by the interpreter that builds the wheel,
with the source being packaged, so their names carry the same tool, Python and format
versions that the installed package looks for. An editable install gets none: it reads the
source tree, and uses the user cache.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Run in a child process, so that the build's own interpreter never imports mbc_lookup.
_WRITE_ENTRIES = """
import sys
from pathlib import Path
from mbc_lookup.table_cache import write_entry
for seed_only in (False, True):
    print(write_entry(Path(sys.argv[1]), seed_only=seed_only).name)
"""


class CompiledTableHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._directory = tempfile.TemporaryDirectory(prefix="mbc-lookup-build-")
        paths = [str(Path(self.root) / "src"), os.environ.get("PYTHONPATH", "")]
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
        done = subprocess.run(
            [sys.executable, "-c", _WRITE_ENTRIES, self._directory.name],
            env=environment, cwd=self.root, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"building the shipped table's entries failed:\n{done.stderr}")
        for name in done.stdout.split():
            build_data["force_include"][str(Path(self._directory.name, name))] = f"mbc_lookup/data/{name}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        directory = getattr(self, "_directory", None)
        if directory is not None:
            directory.cleanup()
