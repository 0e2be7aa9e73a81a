"""The intra-attention encoder (Cheng et al. 2016): causal, padding-blind, and it learns."""

import pytest
import torch
from text_pipeline import text_batch, text_model

from attnkit.models.intra_encoder import IntraAttentionEncoder

EXAMPLES = [([4, 5, 6], [6, 5, 4]), ([7, 8, 9, 10, 4], [4, 10, 9, 8, 7]), ([5, 5], [5, 5])]


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_a_state_never_depends_on_later_tokens(cell):
    torch.manual_seed(0)
    encoder = IntraAttentionEncoder(12, 8, 16, cell=cell).eval()
    source = torch.randint(4, 12, (2, 7))
    lengths = torch.tensor([7, 7])
    before = encoder(source, lengths).states
    changed = source.clone()
    changed[:, 4] = (changed[:, 4] - 3) % 8 + 4
    after = encoder(changed, lengths).states
    assert torch.allclose(before[:, :4], after[:, :4])
    assert not torch.allclose(before[:, 4:], after[:, 4:])


def test_padding_changes_no_real_state_and_final_is_the_last_real_one():
    torch.manual_seed(0)
    encoder = IntraAttentionEncoder(12, 8, 16, layers=2).eval()
    source = torch.randint(4, 12, (1, 4))
    alone = encoder(source, torch.tensor([4]))
    padded = encoder(torch.cat([source, torch.zeros(1, 3, dtype=torch.long)], dim=1), torch.tensor([4]))
    assert torch.allclose(alone.states[0], padded.states[0, :4], atol=1e-6)
    assert torch.allclose(alone.final, padded.final, atol=1e-6)
    assert torch.equal(padded.mask, torch.tensor([[True] * 4 + [False] * 3]))


def test_the_tape_is_attended_a_distribution_over_earlier_states():
    torch.manual_seed(0)
    encoder = IntraAttentionEncoder(12, 8, 16).eval()
    seen = []
    original = encoder.attention.forward

    def spy(query, keys, *args, **kwargs):
        out = original(query, keys, *args, **kwargs)
        seen.append(out.weights)
        return out

    encoder.attention.forward = spy
    encoder(torch.randint(4, 12, (2, 5)), torch.tensor([5, 3]))
    assert [w.shape[-1] for w in seen] == [1, 2, 3, 4, 5]  # step t sees h_0 .. h_{t-1}
    assert all(torch.allclose(w.sum(-1), torch.ones(2)) for w in seen)


def test_a_model_with_the_intra_attention_encoder_learns_a_tiny_batch():
    torch.manual_seed(0)
    options = dict(intra_attention=True, bidirectional=False, embedding_dim=8, hidden_dim=16, dropout=0.0)
    model = text_model(options, 12, 12)
    batch = text_batch(EXAMPLES, [0, 1, 2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    for _ in range(80):
        logits = model(batch).logits
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), batch["target"].data, ignore_index=0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05
