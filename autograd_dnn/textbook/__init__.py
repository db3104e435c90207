"""The course's own functions in plain numpy: the independent oracle.

Nothing here imports the rest of ``autograd_dnn``: the package shares only numpy with the
engine, so that the engine can be checked against it. One module per part of the course:

- :mod:`autograd_dnn.textbook.dense`: Course 1, deep L-layer networks (forward, cost,
  backward, update, and the vector helpers of gradient checking).
- :mod:`autograd_dnn.textbook.course2`: Course 2, improving deep networks (initialization,
  L2 regularization, dropout, gradient checking, mini-batches, momentum, RMSprop, Adam,
  learning-rate decay, batch norm).
- :mod:`autograd_dnn.textbook.conv`: Course 4, week 1, convolution and pooling in the course's
  four nested loops (zero_pad, conv_forward, conv_backward, pool_forward, pool_backward, ...).
- :mod:`autograd_dnn.textbook.rnn`: Course 5, week 1, recurrent cells: RNN and LSTM forward and
  backward (one step and through time) and the gradient ``clip``.

Every function is reachable as ``autograd_dnn.textbook.<name>``, with the course's name.
"""

from autograd_dnn.textbook import conv, course2, dense, rnn
from autograd_dnn.textbook.conv import *  # noqa: F403  (the course's names, listed in __all__)
from autograd_dnn.textbook.course2 import *  # noqa: F403
from autograd_dnn.textbook.dense import *  # noqa: F403
from autograd_dnn.textbook.rnn import *  # noqa: F403

__all__ = [*dense.__all__, *course2.__all__, *conv.__all__, *rnn.__all__]
