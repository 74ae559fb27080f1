"""How big a composed YAML document becomes once its aliases are expanded, decided on the node
graph before anything is built: an alias bomb (a few lines of `&a [*b, *b, ...]` that expand to
millions of values) is refused as the Kubernetes API server's decoder refuses one, instead of
stalling whoever reads the file. Lesson files and manifests, and learners' submissions, are read
through it."""

from __future__ import annotations

import yaml


class TooManyNodes(ValueError):
    """YAML whose aliases expand to more nodes than a reader should ever build."""


def check_expansion(node: yaml.Node, limit: int) -> None:
    """Raise TooManyNodes when `node` expands (aliases included) to more than `limit` nodes or
    an alias refers to a node that contains it. Each distinct node is sized once."""
    _expanded_size(node, limit, {}, set())


def _expanded_size(node: yaml.Node, limit: int, sizes: dict[int, int], open_nodes: set[int]) -> int:
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise TooManyNodes("document contains a recursive alias")
    open_nodes.add(key)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, limit, sizes, open_nodes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        for item_key, item_value in node.value:
            size += _expanded_size(item_key, limit, sizes, open_nodes)
            size += _expanded_size(item_value, limit, sizes, open_nodes)
    open_nodes.discard(key)
    if size > limit:
        raise TooManyNodes(
            f"document contains excessive aliasing (it expands to more than {limit:,} nodes)"
        )
    sizes[key] = size
    return size
