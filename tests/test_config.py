"""course_utils.config: the one smoke/full switch and setup()."""

from __future__ import annotations

import numpy as np
import pytest

import course_utils
from course_utils import config


def test_mode_defaults_to_full_for_learners(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    assert config.get_config().mode == "full"


@pytest.mark.parametrize("value", ["smoke", "SMOKE", " smoke "])
def test_smoke_mode_is_read_from_the_environment(monkeypatch, value):
    monkeypatch.setenv("COURSE_MODE", value)
    cfg = config.get_config()
    assert cfg.smoke and not cfg.full and cfg.pick(smoke=1, full=20) == 1


def test_unknown_mode_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "fast")
    with pytest.raises(ValueError, match="COURSE_MODE must be one of"):
        config.get_config()


def test_offline_flag_and_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    cfg = config.get_config()
    assert cfg.offline and cfg.data_dir == tmp_path


def test_setup_seeds_everything_and_prints_one_banner_line(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODE", "smoke")
    cfg = course_utils.setup(seed=7)
    a = np.random.rand(3)  # noqa: NPY002 - the legacy global RNG is what setup() must seed
    course_utils.setup(seed=7, banner=False)
    b = np.random.rand(3)  # noqa: NPY002
    np.testing.assert_array_equal(a, b)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "mode=smoke" in out[0] and "TF " in out[0] and "Keras " in out[0]
    assert cfg.seed == 7 and cfg.smoke


def test_setup_makes_keras_weights_reproducible():
    import keras

    course_utils.setup(seed=3, banner=False)
    m1 = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4)])
    course_utils.setup(seed=3, banner=False)
    m2 = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4)])
    np.testing.assert_array_equal(m1.get_weights()[0], m2.get_weights()[0])


def test_setup_rejects_a_bad_seed():
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        course_utils.setup(seed=-1)


def test_setup_hides_tensorflow_start_up_noise_from_stderr():
    import subprocess
    import sys

    code = "import course_utils; course_utils.setup(seed=0)"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("TF_")}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "mode=" in res.stdout
    assert res.stderr.strip() == "", res.stderr
