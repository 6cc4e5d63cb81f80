"""The one layout conversion, (n_in, n_out) <-> Linear's (out, in), round-trips exactly."""

from __future__ import annotations

import numpy as np

from manual_backprop import forward
from manual_backprop.checks.problems import DERIVATION_LAYER_SIZES, make_problem
from manual_backprop.checks.tolerances import parity_rtol
from tests.helpers import assert_close
from torch_reference import from_params
from torch_reference.layout import from_state_dict, to_state_dict


def test_params_to_state_dict_and_back_is_exact() -> None:
    params = make_problem(DERIVATION_LAYER_SIZES, 2, seed=8).params
    state = to_state_dict(params)
    assert tuple(state["linears.0.weight"].shape) == (32, 64)  # Linear's (out, in)
    back = from_state_dict(state)
    for a, b in zip(params.weights + params.biases, back.weights + back.biases):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_model_state_dict_round_trips_through_the_module() -> None:
    params = make_problem(DERIVATION_LAYER_SIZES, 2, dtype=np.float32, seed=9).params
    back = from_state_dict(from_params(params).state_dict())
    for a, b in zip(params.weights + params.biases, back.weights + back.biases):
        np.testing.assert_array_equal(a, b)


def test_model_forward_equals_manual_forward() -> None:
    problem = make_problem(DERIVATION_LAYER_SIZES, 12, seed=10)
    import torch

    logits = from_params(problem.params)(torch.from_numpy(problem.X)).detach().numpy()
    manual = forward(problem.params, problem.X).pre_activations[-1]
    assert_close(manual, logits, parity_rtol(np.float64, DERIVATION_LAYER_SIZES, 12), "z^(3)")
