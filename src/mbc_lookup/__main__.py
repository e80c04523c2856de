"""`python -m mbc_lookup` runs the `mbc` command line."""

from mbc_lookup.cli import main

main()
