"""The ``manual-backprop`` command-line app: ``verify``, ``train`` and ``bench``."""
