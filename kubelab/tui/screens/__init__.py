"""The TUI's screens, one module each (the lesson screen, with its parts, a package)."""
