"""Suite-wide settings: one torch thread. The tests use tiny tensors, for which thread start-up and
barriers cost more than they save, and on a shared 2-core machine a second thread often waits a
whole scheduler time slice for its core."""

import torch

torch.set_num_threads(1)
