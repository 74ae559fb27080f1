"""What one exec/attach session may use, set by `sim serve` before it answers: kept apart from
`exec_workers` so setting it does not import the data plane (the shell interpreter and every
command) on the way to ready."""

from __future__ import annotations

CPU_SECONDS = 120.0  # CPU time one session may use (a shell idling for hours uses almost none)
MEMORY_BYTES = 1 << 30  # address space a session may add to its worker's
