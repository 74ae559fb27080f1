"""Declarations of the served resource types: each module defines `TYPES: tuple[ResourceType, ...]`.

`kubelab.sim.registry.load_registry()` imports every module here, so a new type is one module.
"""
