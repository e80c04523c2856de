"""The English words typo repair must leave alone ("numbers" is not a typo of "numb").

The list is pyspellchecker's English word-frequency list (a maintained package; its counts
come from a large subtitle corpus). A word counts as English when the corpus saw it more often
than the list's floor of 50: that keeps real words out of repair, and leaves rare spellings
that are in practice typos ("loosing", "brest") repairable. Loaded only when a lookup needs a
repair, so lookups without typos never pay for it.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources

WORD_LIST = ("spellchecker", "resources/en.json.gz")
FLOOR = 50  # the count the list gives words it never saw in the corpus


@lru_cache(maxsize=1)  # the list never changes while the process runs: read it once
def english_words() -> frozenset[str]:
    """Lower-case English words; empty when the word list cannot be read (then any unknown
    word may be repaired, as before the list was used)."""
    package, name = WORD_LIST
    try:
        raw = resources.files(package).joinpath(name).read_bytes()
        counts = json.loads(gzip.decompress(raw))
    except (ModuleNotFoundError, OSError, ValueError, EOFError):
        return frozenset()
    return frozenset(word for word, count in counts.items() if isinstance(count, int) and count > FLOOR)
