"""PyTorch models of the chapters and their one training loop.

- :mod:`~rnnkit.models.fit` - :func:`fit`, the Adam loop every small experiment trains with.
- :mod:`~rnnkit.models.truncated` - chapter 03's tanh RNN trained with truncated BPTT.
- :mod:`~rnnkit.models.classifier` - RNN/LSTM/GRU sequence classifiers, forget-gate bias,
  the recall experiments (ch. 04-05).
- :mod:`~rnnkit.models.seq2seq` - encoder-decoder with optional attention (ch. 06);
  :mod:`~rnnkit.models.seq2seq_checkpoint` saves and loads it, :mod:`~rnnkit.models.beam`
  decodes it with beam search.
- :mod:`~rnnkit.models.nextchar` - a small next-character LSTM, unidirectional or bidirectional:
  the bidirectional one reads the answer (ch. 08).
- :mod:`~rnnkit.models.minrnn` - minGRU and minLSTM layers computed with a parallel scan (ch. 09).

Chapter 07's language model, which trains for hours with its own schedule and
checkpoints, is the application :mod:`rnnkit.charlm`.
"""
