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


@pytest.fixture(autouse=True, scope="session")
def synthesis_cache(tmp_path_factory):
    """Tasks that cache what they synthesise (spoken-digits) write into the session's temporary
    folder, never the user's ~/.cache/attnkit."""
    import os

    before = os.environ.get("ATTNKIT_CACHE")
    os.environ["ATTNKIT_CACHE"] = str(tmp_path_factory.mktemp("attnkit-cache"))
    yield
    if before is None:
        os.environ.pop("ATTNKIT_CACHE", None)
    else:
        os.environ["ATTNKIT_CACHE"] = before
