"""The checking tools, apart from the equations they check.

* :mod:`~manual_backprop.checks.tolerances`: every tolerance, derived once from the dtype's
  epsilon and the problem's size;
* :mod:`~manual_backprop.checks.error_scales`: the magnitudes those tolerances apply to, for one
  problem;
* :mod:`~manual_backprop.checks.finite_differences`: central differences of J, an oracle that
  uses the forward pass and the loss alone;
* :mod:`~manual_backprop.checks.problems`: the example problems every check runs on;
* :mod:`~manual_backprop.checks.traces`: the one record every oracle returns;
* :mod:`~manual_backprop.checks.jax_oracle`: ``jax.grad``, a second autograd oracle;
* :mod:`~manual_backprop.checks.symbolic`: SymPy's proofs that each equation is the derivative
  it claims, and the errata as counterexamples;
* :mod:`~manual_backprop.checks.layer_lemma`: the layer lemma (16), (26)-(31) and the heads proved
  with the widths as symbols, each index in its stated range;
* :mod:`~manual_backprop.checks.exact`: the exact oracle, 60 significant digits, for the code's
  true error.

``symbolic``, ``layer_lemma`` and ``exact`` need SymPy (the ``cli`` and ``test`` extras); the
library does not.
"""
