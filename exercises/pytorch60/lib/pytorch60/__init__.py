"""The built-in pack's own helpers: LeNet-5 checks, training-loop watching, CIFAR-10 data.

Shipped in the pack's lib/ folder, which both processes of a check import from and the
learner's box may read (so nothing here is an answer).
"""
