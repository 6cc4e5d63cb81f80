# ---
# jupyter:
#   jupytext:
#     formats: py:percent,ipynb
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Section 1.5, step by step, checked as it goes
#
# This notebook runs the algorithm of [the derivation](derivation.md) on its own network,
# 64-32-16-10 (two hidden ReLU layers, a softmax output), with `manual_backprop`'s own
# functions, one step at a time. Every array it computes is compared on the spot with PyTorch
# autograd (`torch_reference`) and, for the gradients, with central finite differences in
# float64, which use the forward pass alone. Each `cmp` line prints the largest error, the
# norm-wise relative error and the derived tolerance (`manual_backprop/checks/tolerances.py`),
# judged by the same function as `manual-backprop verify`; the last cell fails if any check did.
#
# Source: `docs/walkthrough.py` (jupytext percent format), paired with `docs/walkthrough.ipynb`.
# Run it with `python docs/walkthrough.py`, or open the notebook. To rebuild the notebook with
# its outputs (the `docs` extra, which brings jupytext and nbclient's `jupyter execute`; it has
# no `jupyter nbconvert`): `jupytext --to ipynb docs/walkthrough.py && jupyter execute --inplace
# docs/walkthrough.ipynb`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import torch_reference
from manual_backprop import deltas, forward, gradients, gradients_per_example
from manual_backprop.activations import relu, relu_grad
from manual_backprop.checks.error_scales import error_scales, problem_rtol
from manual_backprop.checks.finite_differences import finite_difference_gradients
from manual_backprop.checks.problems import exact_kink_problem, make_problem
from manual_backprop.checks.tolerances import (
    finite_difference_atol,
    finite_difference_step,
    kink_step,
    machine_epsilon,
)
from manual_backprop.gradients import layer_gradients
from manual_backprop.heads import loss, output_delta
from manual_backprop.validation import targets_from
from torch_reference.claims import Check, entrywise_check, relative_check

FAILED: list[Check] = []


def cmp(check: Check) -> None:
    """One line per comparison, in the spirit of backprop-ninja's ``cmp``."""
    verdict = "ok" if check.passed else "FAIL"
    kind = "atol" if check.criterion == "abs" else "rtol"
    print(
        f"{check.equation:<9} {check.quantity:<30} vs {check.oracle:<20} "
        f"max abs {check.max_abs_err:.1e}  rel {check.max_rel_err:.1e}  "
        f"{kind} {check.tolerance:.1e}  {verdict}"
    )
    if not check.passed:
        FAILED.append(check)


# %% [markdown]
# ## The network and one batch
#
# He-scaled weights, small random biases, $B = 8$ examples with one-hot targets. $W^l$ has the
# derivation's layout, $(n_{l-1}, n_l)$.

# %%
problem = make_problem((64, 32, 16, 10), 8, targets="one_hot", seed=0)
params, X, Y = problem.params, problem.X, problem.Y
oracle = torch_reference.trace(params, X, Y)  # autograd; keeps every z, a and dJ/dz
rtol = problem_rtol(params, X, Y, "softmax")
scales = error_scales(params, X, Y, "softmax", relu_grad_at_zero=0.0)
print("layer sizes", params.layer_sizes, "| W shapes", [W.shape for W in params.weights])
print(f"float64 parity tolerance 2L sqrt(K) eps = {rtol:.2e}")

# %% [markdown]
# ## Step 1: the forward pass, eqs. (3)-(8) and (34)

# %%
passed = forward(params, X)
for l in (1, 2, 3):
    number = {1: "(3)", 2: "(5)", 3: "(7)"}[l]
    cmp(
        relative_check(
            number,
            f"z^{l}",
            "autograd",
            "cpu",
            "float64",
            passed.pre_activations[l - 1],
            oracle.pre_activations[l - 1],
            rtol,
        )
    )
    number = "(4),(6)" if l < 3 else "(34)"
    cmp(
        relative_check(
            number,
            f"a^{l}",
            "autograd",
            "cpu",
            "float64",
            passed.activations[l],
            oracle.activations[l],
            rtol,
        )
    )

# %% [markdown]
# ## Step 2: the deltas, eq. (44) at the output, then eq. (16) down the layers
#
# At the softmax output the delta is $a - y$ (eq. 44) exactly, for one-hot targets. The library
# computes it through eq. (42), $a \sum_m y_m - y$, which is the same numbers when each row of
# $y$ sums to 1.

# %%
Z_L, A_L = passed.pre_activations[-1], passed.activations[-1]
targets = targets_from(Y, X, 10)
delta_L = output_delta(Z_L, A_L, targets, "softmax", 0.0)
print("delta^3 == a^3 - y exactly:", np.array_equal(delta_L, A_L - targets))
all_deltas = deltas(params, X, Y, relu_grad_at_zero=0.0)  # PyTorch's h'(0) = 0, to compare
for l, number in ((3, "(44)"), (2, "(24)"), (1, "(25)")):
    cmp(
        relative_check(
            number,
            f"delta^{l}",
            "autograd",
            "cpu",
            "float64",
            all_deltas[l - 1],
            oracle.deltas[l - 1],
            rtol,
            scales.deltas[l - 1],
        )
    )

# %% [markdown]
# ## Step 3: the gradients, eqs. (26)-(31), one layer at a time
#
# $\partial J/\partial W^l = (A^{l-1})^\top \Delta^l$ and $\partial J / \partial b^l$ the column
# sums of $\Delta^l$: the per-example outer products and deltas, summed over the batch. Central
# differences estimate their own truncation error by Richardson (steps $h$ and $2h$).

# %%
numeric = finite_difference_gradients(params, X, Y)
J = float(loss(Z_L, A_L, targets, "softmax"))
for l in (3, 2, 1):
    dW, db = layer_gradients(passed.activations[l - 1], all_deltas[l - 1])
    number_W, number_b = {3: ("(26)", "(29)"), 2: ("(27)", "(30)"), 1: ("(28)", "(31)")}[l]
    cmp(
        relative_check(
            number_W,
            f"dJ/dW^{l}",
            "autograd",
            "cpu",
            "float64",
            dW,
            oracle.grads.weights[l - 1],
            rtol,
            scales.grads.weights[l - 1],
        )
    )
    cmp(
        relative_check(
            number_b,
            f"dJ/db^{l}",
            "autograd",
            "cpu",
            "float64",
            db,
            oracle.grads.biases[l - 1],
            rtol,
            scales.grads.biases[l - 1],
        )
    )
    for number, name, ours, fd, change in (
        (
            number_W,
            f"dJ/dW^{l}",
            dW,
            numeric.extrapolated.weights[l - 1],
            numeric.step_change.weights[l - 1],
        ),
        (
            number_b,
            f"dJ/db^{l}",
            db,
            numeric.extrapolated.biases[l - 1],
            numeric.step_change.biases[l - 1],
        ),
    ):
        atol = finite_difference_atol(np.float64, J, 8 * 10, numeric.step, change)
        cmp(entrywise_check(number, name, "cpu", ours, fd, atol))
cmp(
    relative_check(
        "(18)/(33)", "J", "autograd", "cpu", "float64", J, oracle.loss, rtol, scales.loss
    )
)

# %% [markdown]
# ## Step 4: one example at a time, summed
#
# `gradients_per_example` runs steps 1-3 on each example alone (a batch of one row, through the
# same functions) and adds the gradients up; `gradients` does the same sum inside the matrix
# products. They must agree.

# %%
J_batched, batched = gradients(params, X, Y)
J_each, each = gradients_per_example(params, X, Y)
for l in (3, 2, 1):
    cmp(
        relative_check(
            "sec. 1.5",
            f"dJ/dW^{l} per example",
            "batched",
            "cpu",
            "float64",
            each.weights[l - 1],
            batched.weights[l - 1],
            rtol,
            scales.grads.weights[l - 1],
        )
    )

# %% [markdown]
# ## Figure 1: ReLU and its derivative, both conventions at 0
#
# $h'$ is 0 to the left and 1 to the right; at 0 the derivation's eq. (2) takes $\tfrac12$,
# PyTorch takes 0.

# %%
x = np.linspace(-2, 2, 401)
figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(x, relu(x))
left.set(title="h(x) = max(0, x), eq. (1)", xlabel="x")
right.plot(x[x < 0], relu_grad(x[x < 0]), "C0")
right.plot(x[x > 0], relu_grad(x[x > 0]), "C0")
zero = np.array([0.0])
right.plot(0, relu_grad(zero, 0.5)[0], "o", label="eq. (2): h'(0) = 1/2")
right.plot(0, relu_grad(zero, 0.0)[0], "s", mfc="none", label="PyTorch: h'(0) = 0")
right.set(title="h'(x)", xlabel="x")
right.legend()
figure.tight_layout()
plt.show()

# %% [markdown]
# ## Figure 2: the central difference at an exact kink lands on 1/2
#
# One example whose $z^{(1)}_0$ is exactly 0. Moving $b^{(1)}_0$ by $\pm h$ puts the unit on its
# live side one way and its dead side the other: the central difference averages the two
# one-sided slopes, whatever $h$, and converges to the gradient with $h'(0) = \tfrac12$.

# %%
kink = exact_kink_problem()
slopes = {
    at: gradients(kink.params, kink.X, kink.Y, relu_grad_at_zero=at)[1].biases[0][0]
    for at in (0.0, 0.5, 1.0)
}
steps = np.logspace(-9, -2, 29)
central = [
    finite_difference_gradients(kink.params, kink.X, kink.Y, step=h).grads.biases[0][0]
    for h in steps
]
figure, axis = plt.subplots(figsize=(6, 3.2))
axis.semilogx(steps, central, "o-", label="central difference D(h)")
for at, style in ((0.0, ":"), (0.5, "--"), (1.0, "-.")):
    axis.axhline(slopes[at], ls=style, color="gray", label=f"gradient with h'(0) = {at}")
axis.set(xlabel="step h", ylabel="dJ/db^(1)_0", title="At an exact kink")
axis.legend(fontsize=8)
plt.show()
at_kink = finite_difference_gradients(kink.params, kink.X, kink.Y, step=kink_step(np.float64))
atol = finite_difference_atol(
    np.float64,
    float(gradients(kink.params, kink.X, kink.Y)[0]),
    3,
    at_kink.step,
    at_kink.step_change.biases[0][0],
    order=1,
)
cmp(
    entrywise_check(
        "(2)", "h'(0)=1/2 at z=0", "cpu", np.array([slopes[0.5]]), at_kink.grads.biases[0][:1], atol
    )
)

# %% [markdown]
# ## Figure 3: finite-difference error against the step: truncation against rounding
#
# For a smooth entry, the error of $D(h)$ falls like $h^2$ (truncation) until the rounding error
# of J, about $\varepsilon_J / h$, takes over. The Richardson estimate $|D(2h) - D(h)|/3$ tracks
# the truncation error without knowing the answer; the default step $h = \varepsilon^{1/3}$ sits
# near the bottom of the V. Where the estimate is exactly 0 (at the smallest steps, $D(2h)$ and
# $D(h)$ round to the same number), a log axis has no place for it: the curve has a gap there,
# not a drop. (A small 6-5-4-3 network, so that 37 steps take no time.)

# %%
small = make_problem((6, 5, 4, 3), 4, targets="one_hot", seed=1)
exact = gradients(small.params, small.X, small.Y)[1].weights[2][0, 0]
errors, richardson = [], []
steps = np.logspace(-10, -1, 37)
for h in steps:
    D_h = finite_difference_gradients(small.params, small.X, small.Y, step=h)
    errors.append(abs(D_h.grads.weights[2][0, 0] - exact))
    richardson.append(abs(D_h.step_change.weights[2][0, 0]) / 3)
J_small = gradients(small.params, small.X, small.Y)[0]
eps_J = np.sqrt(4 * 3) * machine_epsilon(np.float64) * (1 + abs(J_small))
figure, axis = plt.subplots(figsize=(8.5, 3.5))
richardson = np.where(np.array(richardson) > 0, richardson, np.nan)  # 0: a gap, not a drop
axis.loglog(steps, errors, "o-", label="|D(h) - analytic|")
axis.loglog(steps, richardson, "x--", label="Richardson |D(2h) - D(h)| / 3")
axis.loglog(steps, eps_J / steps, ":", label="rounding bound eps_J / h")
axis.axvline(finite_difference_step(np.float64), color="gray", ls="--", label="h = eps^(1/3)")
axis.set(xlabel="step h", ylabel="error", title="dJ/dW^(3)[0, 0]")
axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside the data
figure.tight_layout()
plt.show()

# %% [markdown]
# ## Figure 4: the softmax delta on one example, eq. (44)
#
# The output delta is the predicted distribution minus the target: negative at the true class,
# positive elsewhere, and summing to 0.

# %%
example = 0
figure, axis = plt.subplots(figsize=(7, 3))
classes = np.arange(10)
axis.bar(classes - 0.27, A_L[example], width=0.27, label="a = softmax(z)")
axis.bar(classes, targets[example], width=0.27, label="y (one-hot)")
axis.bar(classes + 0.27, all_deltas[-1][example], width=0.27, label="delta = a - y")
axis.axhline(0, color="black", lw=0.5)
axis.set(xlabel="class", xticks=classes, title=f"example {example}")
axis.legend(fontsize=8)
plt.show()
print("sum of delta over the classes:", float(all_deltas[-1][example].sum()))

# %% [markdown]
# ## Figure 5: training with these gradients
#
# Step 4's gradient descent on scikit-learn's bundled digits (no network access), with the
# derivation's 64-32-16-10 network: plain mini-batch SGD driven by `gradients`, the same
# trainer as `manual-backprop train`.

# %%
from manual_backprop import init_params
from manual_backprop.training import accuracy, batch_order, mean_loss, train_epoch
from torch_reference.commands.training import load_digits_split

data = load_digits_split()
net = init_params((64, 32, 16, 10), seed=0)
history = []
for epoch in range(1, 16):
    train_epoch(net, data.X_train, data.y_train, batch_order(len(data.y_train), 32, 0, epoch), 0.1)
    history.append(
        (epoch, mean_loss(net, data.X_train, data.y_train), accuracy(net, data.X_test, data.y_test))
    )
epochs, losses, accuracies = zip(*history)
figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(epochs, losses, "o-")
left.set(xlabel="epoch", ylabel="J / B on the training set", title="Loss")
right.plot(epochs, accuracies, "o-")
right.set(xlabel="epoch", ylabel="test accuracy", title="Accuracy")
figure.tight_layout()
plt.show()
print(
    f"after {epochs[-1]} epochs: training loss {losses[-1]:.4f}, test accuracy {accuracies[-1]:.4f}"
)

# %% [markdown]
# ## Verdict

# %%
print(f"{len(FAILED)} checks failed")
assert not FAILED, FAILED
