"""The code's true error against the derived tolerances: the table docs/verification.md quotes.

    python benchmarks/true_error_table.py [--seed 0]

Runs ``manual-backprop verify``'s rows against the exact oracle (60 significant digits, the
derivation's network 64-32-16-10, B = 32, three target kinds) and prints, per dtype and per kind
of quantity, the largest true norm-wise error, its tolerance and their ratio (which must be <= 1;
``tests/test_symbolic.py`` requires it).
"""

from __future__ import annotations

import argparse

from torch_reference.claims import EXACT, Check, run_checks

KINDS = (("z^", "Z^l, eqs. (3)-(7)"), ("a^", "A^l, eqs. (4)-(8), (34)"),
         ("delta^", "Delta^l, eqs. (16), (23)-(25), (42), (44)"),
         ("dJ/dW^", "dJ/dW^l, eqs. (26)-(28)"), ("dJ/db^", "dJ/db^l, eqs. (29)-(31)"),
         ("J ", "J, eqs. (18)/(19)/(33)"))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = [row for row in run_checks(seed=args.seed, oracles=(EXACT,)) if row.oracle == EXACT]
    worst: dict[tuple[str, str, str], Check] = {}
    for row in rows:
        for prefix, kind in KINDS:
            if row.quantity.startswith(prefix):
                head = "relu" if "[relu" in row.quantity else "softmax"
                key = (row.dtype, kind, head)
                if key not in worst or row.ratio > worst[key].ratio:
                    worst[key] = row
    print("| dtype | quantity | head | worst true error (norm-wise) | tolerance | ratio |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for (dtype, kind, head), row in sorted(worst.items(), key=lambda item: item[0]):
        print(
            f"| {dtype} | {kind} | {head} | {row.max_rel_err:.2e} | {row.tolerance:.2e} | "
            f"{row.ratio:.2e} |"
        )
    print(f"\n{len(rows)} rows; the largest ratio is {max(row.ratio for row in rows):.2e}.")


if __name__ == "__main__":
    main()
