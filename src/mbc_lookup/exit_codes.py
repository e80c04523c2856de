"""Exit codes: part of the interface, the same for every command (see the README)."""

MATCHED = 0  # a site matched (symptoms, batch); the command did its job (sites, site, validate, ...)
NO_MATCH = 1  # the command ran, but nothing matched
ERROR = 2  # usage error; the knowledge table cannot be read or is invalid; output cannot be written
INTERRUPTED = 130  # Ctrl-C
PIPE_CLOSED = 141  # the reader of the output went away ("mbc ... | head"), as for SIGPIPE
INTERNAL = 70  # a bug: an error nobody foresaw (EX_SOFTWARE); MBC_DEBUG=1 shows the traceback
HANGUP = 129  # SIGHUP (128 + 1); the signal exits are 128 + the signal's number
TERMINATED = 143  # SIGTERM (128 + 15)
