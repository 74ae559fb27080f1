"""A small POSIX-like shell: lexer -> parser -> interpreter, busybox `ash` messages."""
