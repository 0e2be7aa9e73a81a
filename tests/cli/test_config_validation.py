"""Config validation: unknown keys, wrong types and bad combinations fail on load, naming the key;
--set overrides are read as YAML and pass the same checks."""

from __future__ import annotations

import pytest

from attnkit.config import Config, ConfigError, config_from_dict, describe_fields, load_config, parse_override


def write(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_valid():
    assert config_from_dict({}) == Config()


# a key of the model section is checked against the options of the family model.type names
# (default rnn), which the message says; other sections list their valid keys
@pytest.mark.parametrize("data,named,suggestion,listing", [
    ({"model": {"hiden_dim": 8}}, "model.hiden_dim is not an option of model.type rnn", "hidden_dim",
     "its keys: type, "),
    ({"trian": {}}, "'trian'", "train", "valid keys"),
    ({"train": {"learning_rate": 1e-3}}, "'train.learning_rate'", None, "valid keys"),
    ({"model": {"attention": {"nmae": "dot"}}}, "'model.attention.nmae'", "name", "valid keys"),
])
def test_unknown_key_names_the_key_and_a_suggestion(data, named, suggestion, listing):
    with pytest.raises(ConfigError) as error:
        config_from_dict(data, "my.yaml")
    message = str(error.value)
    assert message.startswith("my.yaml: ") and named in message
    if suggestion:
        assert f"did you mean '{suggestion}'" in message
    assert listing in message


@pytest.mark.parametrize("data,key", [
    ({"model": {"hidden_dim": "32"}}, "model.hidden_dim"),
    ({"model": {"hidden_dim": 32.0}}, "model.hidden_dim"),
    ({"model": {"hidden_dim": True}}, "model.hidden_dim"),
    ({"model": {"bidirectional": "true"}}, "model.bidirectional"),
    ({"train": {"progress": "no"}}, "train.progress"),
    ({"train": {"lr": "fast"}}, "train.lr"),
    ({"model": {"cell": "transformer"}}, "model.cell"),
    ({"data": {"task_options": [1, 2]}}, "data.task_options"),
    ({"train": {"max_minutes": "ten"}}, "train.max_minutes"),
    ({"model": "big"}, "model"),
])
def test_wrong_types_are_rejected_naming_the_key(data, key):
    with pytest.raises(ConfigError, match=rf"\b{key}\b"):
        config_from_dict(data)


def test_ints_widen_to_floats_and_null_is_accepted_where_optional():
    config = config_from_dict({"train": {"lr": 1, "max_minutes": None, "clip_norm": None}})
    assert config.train.lr == 1.0 and isinstance(config.train.lr, float)
    assert config.train.max_minutes is None and config.train.clip_norm is None


@pytest.mark.parametrize("data,keys", [
    ({"decode": {"beam_size": 2, "n_best": 3}}, ["decode.n_best"]),
    ({"model": {"hidden_dim": 33, "bidirectional": True}}, ["model.hidden_dim"]),
    ({"data": {"task": None}}, ["data.task", "data.train"]),
    ({"model": {"dropout": 1.0}}, ["model.dropout"]),
    ({"train": {"max_steps": 0}}, ["train.max_steps"]),
    ({"train": {"label_smoothing": 1.5}}, ["train.label_smoothing"]),
    ({"model": {"bias": False}}, ["model.bias", "transformer"]),
    ({"model": {"attentional_tanh": False}}, ["model.attentional_tanh", "luong"]),
    ({"model": {"init_range": 0.0, "init": "uniform"}}, ["model.init_range"]),
])
def test_bad_combinations_are_rejected_naming_the_keys(data, keys):
    with pytest.raises(ConfigError) as error:
        config_from_dict(data)
    assert all(k in str(error.value) for k in keys), str(error.value)


def test_odd_hidden_is_fine_without_a_bidirectional_encoder():
    assert config_from_dict({"model": {"hidden_dim": 33, "bidirectional": False}}).model.hidden_dim == 33


def test_set_overrides_are_yaml_and_validated(tmp_path):
    path = write(tmp_path, "model:\n  hidden_dim: 16\ntrain:\n  max_steps: 5\n")
    config = load_config(path, ["model.hidden_dim=24", "train.max_minutes=1.5", "data.task_options={max_len: 4}",
                                "model.bidirectional=false", "decode.beam_size=3", "data.task=copy"])
    assert config.model.hidden_dim == 24 and config.train.max_steps == 5
    assert config.train.max_minutes == 1.5 and config.data.task_options == {"max_len": 4}
    assert config.model.bidirectional is False and config.decode.beam_size == 3 and config.data.task == "copy"
    for override, key in [("model.hidden_dim=abc", "model.hidden_dim"), ("model.hiden=3", "model.hiden"),
                          ("train.progress='true'", "train.progress"), ("decode.n_best=4", "decode.n_best")]:
        with pytest.raises(ConfigError, match="with --set overrides") as error:
            load_config(path, [override])
        assert key in str(error.value)
    with pytest.raises(ConfigError, match="expected key=value"):
        load_config(path, ["model.hidden_dim"])
    with pytest.raises(ConfigError, match="'hidden_dim' is not a section"):
        load_config(path, ["model.hidden_dim.x=1"])
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_override("model.hidden_dim=[1,")


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*nope.yaml"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match=r"config.yaml: not valid YAML"):
        load_config(write(tmp_path, "model: [1,\n"))
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"model:\n  style: \xe9\n")
    with pytest.raises(ConfigError, match="latin1.yaml"):
        load_config(bad)
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(write(tmp_path, "- a\n- b\n"))
    assert load_config(write(tmp_path, "")) == Config()  # an empty file is all defaults


def test_every_option_has_help():
    rows = describe_fields()
    assert len(rows) > 40
    assert all(help_text for _, _, help_text in rows), [k for k, _, h in rows if not h]


def test_validating_a_config_does_not_move_torchs_random_stream():
    """The attention options are checked by building the mechanism once; that trial must not
    draw from torch's generator, or seeding before reading a config would change the weights."""
    import torch

    from attnkit.config import model_config

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    model_config(type="rnn", attention={"name": "location_aware", "options": {"kernel_size": 5}})
    assert torch.equal(torch.rand(3), expected)
