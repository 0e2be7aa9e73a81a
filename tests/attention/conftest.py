"""Every attention test starts from the same random state, so a failure reproduces."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)
