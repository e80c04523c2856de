"""mbc-lookup: which sites of metastatic breast cancer typed symptoms are associated with.

Informational only, never a diagnosis. The importable API:

    from mbc_lookup import lookup, load_knowledge
    result = lookup("headache, dizziness")
    result.sites[0].site.id   # "brain"

The heavy parts (YAML, matching) are imported on first use, so `mbc --version` and shell
completion stay fast.
"""

from __future__ import annotations

__version__ = "1.0.0"

# Nothing is imported here at run time (not even `typing`): until `__main__` has its Ctrl-C
# handler in place, every import is time a Ctrl-C would end in a traceback.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .api import load_matcher, lookup
    from .knowledge import load_knowledge
    from .table_file import KnowledgeError

__all__ = ["KnowledgeError", "__version__", "load_knowledge", "load_matcher", "lookup"]


def __getattr__(name: str) -> Any:
    if name in ("lookup", "load_matcher"):
        from . import api

        return getattr(api, name)
    if name == "load_knowledge":
        from .knowledge import load_knowledge

        return load_knowledge
    if name == "KnowledgeError":
        from .table_file import KnowledgeError

        return KnowledgeError
    raise AttributeError(f"module 'mbc_lookup' has no attribute {name!r}")
