"""What runs inside simulated pods: a small shell, busybox-like commands, the image catalogue,
in-cluster DNS and HTTP over the store, and the exec/attach/log endpoints.

Everything here is emulated: nothing typed into a simulated pod ever runs on the host.
"""
