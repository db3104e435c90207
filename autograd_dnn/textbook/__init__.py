"""The course's own functions in plain numpy: the independent oracle.

Nothing here imports the rest of ``autograd_dnn``: the package shares only numpy with the
engine, so that the engine can be checked against it. One module per part of the course:

- :mod:`autograd_dnn.textbook.dense`: Course 1, deep L-layer networks (forward, cost,
  backward, update, and the vector helpers of gradient checking).
- :mod:`autograd_dnn.textbook.course2`: Course 2, improving deep networks (initialization,
  L2 regularization, dropout, gradient checking, mini-batches, momentum, RMSprop, Adam,
  learning-rate decay, batch norm).

Every function is reachable as ``autograd_dnn.textbook.<name>``, with the course's name.
"""

from autograd_dnn.textbook import course2, dense
from autograd_dnn.textbook.course2 import *  # noqa: F403  (the course's names, listed in __all__)
from autograd_dnn.textbook.dense import *  # noqa: F403  (the course's names, listed in __all__)

__all__ = [*dense.__all__, *course2.__all__]
