"""Lesions of three or more sources that belong together, for multi-rater agreement.

A cluster is a connected component of the graph whose nodes are every
source's lesions and whose edges are overlaps between lesions of two different
sources. A cluster is *complete* when every source has exactly one lesion in it:
those are the items on which Fleiss' kappa of the ratings is computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from processing.matching.overlap import overlap_counts


@dataclass(frozen=True)
class Cluster:
    """Lesion IDs per source (``{source: (ids...)}``; empty tuple where a source has none)."""

    members: dict

    def complete(self) -> bool:
        """Return True when every source has exactly one lesion here."""
        return all(len(ids) == 1 for ids in self.members.values())


def cluster_sources(labels: dict[str, np.ndarray]) -> list[Cluster]:
    """Group the lesions of every source (``{source: label volume}``, one grid) into clusters."""
    names = list(labels)
    nodes = [(name, int(i)) for name in names for i in np.unique(labels[name]) if i != 0]
    index = {node: k for k, node in enumerate(nodes)}
    edges_from, edges_to = [], []
    for x, first in enumerate(names):
        for second in names[x + 1 :]:
            ids_a, ids_b, _ = overlap_counts(labels[first], labels[second])
            edges_from += [index[(first, int(i))] for i in ids_a]
            edges_to += [index[(second, int(j))] for j in ids_b]
    graph = coo_matrix((np.ones(len(edges_from)), (edges_from, edges_to)), shape=(len(nodes),) * 2)
    count, component = connected_components(graph, directed=False)
    grouped: list[dict] = [{name: [] for name in names} for _ in range(count)]
    for (name, lesion), c in zip(nodes, component, strict=True):
        grouped[c][name].append(lesion)
    return [Cluster({name: tuple(ids) for name, ids in g.items()}) for g in grouped]
