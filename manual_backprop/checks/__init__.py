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
* :mod:`~manual_backprop.checks.symbolic_array`: an array library of SymPy expressions, so that
  the shipping code runs on symbols;
* :mod:`~manual_backprop.checks.code_proof`: proofs that the shipping code computes SymPy's
  derivative of J, on 2-3-2-3 and the ReLU patterns each proof names;
* :mod:`~manual_backprop.checks.symbolic`: SymPy's proofs that the derivation's equations, as
  written, are the derivatives they claim (the chain rule for any activation), and the errata as
  counterexamples;
* :mod:`~manual_backprop.checks.layer_lemma`: the layer lemma (16), (26)-(31) and the heads proved
  with the widths as symbols, each index in its stated range;
* :mod:`~manual_backprop.checks.proof_table`: every proof record, and the table of
  ``docs/verification.md`` made from them;
* :mod:`~manual_backprop.checks.exact`: the exact oracle, 60 significant digits, for the code's
  true error.

``symbolic_array``, ``code_proof``, ``layer_lemma``, ``proof_table``, ``symbolic`` and ``exact``
need SymPy (the ``cli`` and ``test`` extras); the library does not.
"""
