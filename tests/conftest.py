"""Suite-wide settings: one torch thread for every test. The tests use tiny tensors, for which
thread start-up and barriers cost more than they save, and on a shared 2-core machine a second
thread often waits a whole scheduler time slice for its core. Restored after each test, so a test
that trains with train.threads set cannot leak its setting into the next."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
