"""mbc-lookup: which sites of metastatic breast cancer typed symptoms are associated with.

Informational only, never a diagnosis. The importable API:

    from mbc_lookup import lookup, load_knowledge
    result = lookup("headache, dizziness")
    result.sites[0].site.id   # "brain"

The heavy parts (YAML, matching) are imported on first use, so `mbc --version` and shell
completion stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "1.0.0"

if TYPE_CHECKING:
    from .api import lookup
    from .knowledge import KnowledgeError, load_knowledge

__all__ = ["KnowledgeError", "__version__", "load_knowledge", "lookup"]


def __getattr__(name: str) -> Any:
    if name == "lookup":
        from .api import lookup

        return lookup
    if name in ("load_knowledge", "KnowledgeError"):
        from . import knowledge

        return getattr(knowledge, name)
    raise AttributeError(f"module 'mbc_lookup' has no attribute {name!r}")
