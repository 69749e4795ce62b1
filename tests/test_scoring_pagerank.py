"""Weighted PageRank inflow: who engages matters, and it does not depend on community size."""

import numpy as np

from widget.scoring.pagerank import pagerank_inflow

KW = {"damping": 0.85, "tolerance": 1e-10, "max_iterations": 200}


def test_inflow_follows_influence_of_engagers():
    # 0 and 1 both engage with 2; 3 engages with 4; 5, 6, 7 engage with 0.
    src = np.array([0, 1, 3, 5, 6, 7])
    dst = np.array([2, 2, 4, 0, 0, 0])
    inflow, x = pagerank_inflow(8, src, dst, np.ones(6), **KW)
    assert inflow[2] > inflow[4] > 0
    assert inflow[0] > inflow[1] == 0
    # Fixed point: x = (1 - d) + d * inflow-share
    assert np.allclose(x, 0.15 + inflow)


def test_unconnected_accounts_do_not_change_anyones_influence():
    src, dst, w = np.array([0, 1]), np.array([2, 2]), np.array([1.0, 3.0])
    small, _ = pagerank_inflow(3, src, dst, w, **KW)
    big, _ = pagerank_inflow(1000, src, dst, w, **KW)
    assert np.allclose(small, big[:3])


def test_empty_graph():
    inflow, x = pagerank_inflow(4, np.array([], int), np.array([], int), np.array([]), **KW)
    assert np.all(inflow == 0) and np.allclose(x, 0.15)
