"""Checks for the exercises of notebook 03 (denoising autoencoders).

03.1 is checked against a Monte-Carlo simulation of the course's own corruption (``cu.corruptions.salt_and_pepper``
on constant images), not against a formula. 03.2 and 03.3 take the learner's trained model (03.2 through the
``TrainingLog`` that ``fit`` attached it to) and recompute the reported PSNRs from it and the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from course_utils.checks import answered, answered_function, as_array, as_number, close, exercise, require

#: Pixel values at which a learner's expected_mse is compared with the simulation (on imgaug's 8-bit grid).
_PROBE = np.array([0, 64, 128, 191, 255], dtype=np.float64) / 255
#: Simulated pixels per probe value (250 images of 28 x 28): a standard error below 1e-3 at p = 1.
_SIMULATED_IMAGES = 250
#: A learner's value must lie within this many standard errors of the simulation (plus a rounding allowance).
_Z = 6.0


@lru_cache(maxsize=4)
def _simulate(amount: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean squared error of salt-and-pepper at each probe value, and its standard error, by simulation."""
    from course_utils.corruptions import salt_and_pepper

    n = _SIMULATED_IMAGES
    x = np.repeat(_PROBE, n * 28 * 28).reshape(len(_PROBE) * n, 28, 28)
    err = ((salt_and_pepper(x, amount, seed=seed).astype(np.float64) - x) ** 2).reshape(len(_PROBE), -1)
    return err.mean(axis=1), err.std(axis=1, ddof=1) / math.sqrt(err.shape[1])


def _against_simulation(expected_mse, amount: float, seed: int, hint: str) -> None:
    yours = as_array(expected_mse(_PROBE.copy(), amount), f"expected_mse(x, {amount:g})", shape=_PROBE.shape)
    simulated, se = _simulate(amount, seed)
    off = np.abs(yours - simulated) > _Z * se + 1e-4
    if off.any():
        where = ", ".join(
            f"x = {x:.2f} ({'too high' if y > s else 'too low'})"
            for x, y, s, o in zip(_PROBE, yours, simulated, off, strict=True)
            if o
        )
        require(
            False,
            f"{hint}; a simulation of cu.corruptions.salt_and_pepper at p = {amount:g} disagrees at {where}",
        )


@exercise("03.1")
def exercise_1(expected_mse, predicted, *, x, x_noisy, amount: float) -> str:
    """``expected_mse(x, p)`` and the ``predicted`` mean MSE of the noisy images ``x_noisy`` of ``x``.

    ``expected_mse`` is compared, at a few pixel values and two noise levels, with the mean squared error that
    ``cu.corruptions.salt_and_pepper`` really produces (simulated on constant images); ``predicted`` must be the
    mean of ``expected_mse(x, amount)`` over the pixels of ``x`` and agree with the error measured in ``x_noisy``.
    """
    answered_function(expected_mse, "expected_mse", probe=(_PROBE.copy(), 1.0))
    answered(predicted, "predicted", "the predicted mean MSE of the noisy test images (a float)")
    _against_simulation(
        expected_mse,
        1.0,
        seed=101,
        hint="with p = 1 every pixel is replaced by v: your expected squared error of a replaced pixel is off",
    )
    _against_simulation(
        expected_mse,
        0.2,
        seed=102,
        hint="right at p = 1 but not at p = 0.2: a pixel is replaced only with probability p, and otherwise its "
        "error is 0",
    )
    value = as_number(predicted, "predicted")
    x = np.asarray(x, dtype=np.float64)
    yours = as_array(expected_mse(x, amount), "expected_mse(x_test, AMOUNT)", shape=x.shape)
    close(
        value,
        float(yours.mean()),
        "`predicted` is not the mean of your expected_mse(x_test, AMOUNT) over every pixel of the test images "
        "(predict it from the formula, do not measure it)",
        rtol=1e-4,
    )
    err = (np.asarray(x_noisy, dtype=np.float64) - x) ** 2
    measured, se = float(err.mean()), float(err.std() / math.sqrt(err.size))
    require(
        abs(value - measured) <= _Z * se,
        f"your prediction {value:.5f} is far from the measured {measured:.5f}: does expected_mse hold for every "
        "pixel value, not only for black, grey and white?",
    )
    return f"predicted MSE {value:.5f}, measured {measured:.5f}"


def _seconds_per_step(log) -> float:
    """Steady-state CPU seconds per step, or (with a single step) the mean including the first step's compile."""
    try:
        return log.seconds_per_step()
    except ValueError:
        return log.seconds[-1] / log.steps[-1]


def _trained_model(log):
    """The model that ``fit`` attached ``log`` to (None if the log never went through fit)."""
    try:
        return log.model
    except AttributeError:
        return None


def _psnr_of(model, x_noisy, x) -> float:
    from course_utils.metrics import psnr

    out = model.predict(np.asarray(x_noisy), verbose=0, batch_size=500)
    return float(psnr(np.asarray(x), np.clip(out, 0, 1)))


@exercise("03.2")
def exercise_2(big_batch, *, reference, steps: int, images_per_step: int, batch: int, x_noisy, x) -> str:
    """The ``TrainingLog`` of the tutorial's model trained ``steps`` steps with batches of 2048.

    ``reference`` is the batch-``batch`` run's log (section 3); ``images_per_step`` is 2048 (fewer if the training
    set is smaller); ``x_noisy``/``x`` are the validation images that ``val_psnr_of`` scores. The check takes the
    model from the log, counts its weight updates, recomputes its last PSNR, and compares the measured cost of a
    step with the reference's.
    """
    from course_utils.training import TrainingLog

    answered(big_batch, "big_batch", "the TrainingLog you passed to fit")
    require(
        isinstance(big_batch, TrainingLog),
        f"`big_batch` must be a cu.training.TrainingLog, got {type(big_batch).__name__}",
    )
    model = _trained_model(big_batch)
    require(
        model is not None and bool(big_batch.steps) and big_batch.steps[-1] > 0,
        "pass it to fit: model.fit(..., callbacks=[big_batch])",
    )
    require(
        model is not _trained_model(reference),
        "that log trained section 3's model further: build a fresh tutorial_denoiser() for this run",
    )
    require(
        model.count_params() == _trained_model(reference).count_params(),
        f"the model has {model.count_params():,} weights, the tutorial's {_trained_model(reference).count_params():,}: "
        "train a fresh tutorial_denoiser()",
    )
    updates = int(np.asarray(model.optimizer.iterations))
    require(
        big_batch.steps[-1] == steps and updates == steps,
        f"the model made {updates} weight updates ({big_batch.steps[-1]} in this log); train it for exactly "
        f"{steps}: fit(..., epochs=1, steps_per_epoch=BIG_BATCH_STEPS), once",
    )
    require(
        not any(math.isnan(v) for v in big_batch.values),
        "give the TrainingLog an evaluate function (val_psnr_of) so that it logs the validation PSNR",
    )
    recomputed = _psnr_of(model, x_noisy, x)
    require(
        abs(big_batch.values[-1] - recomputed) < 0.01,
        "the last PSNR in `big_batch` is not the validation PSNR of the model it trained: log with "
        "TrainingLog(val_psnr_of, ...), and do not edit the log",
    )
    ratio = _seconds_per_step(big_batch) / reference.seconds_per_step()
    require(
        ratio > 0.25 * images_per_step / batch,
        f"a step of your run cost only {ratio:.1f} times a step of batch {batch}: did you train with "
        f"batch_size={images_per_step}?",
    )
    same_steps = float(np.interp(steps, reference.steps, reference.values))
    same_images = float(np.interp(steps * images_per_step / batch, reference.steps, reference.values))
    per_image = ratio * batch / images_per_step
    return (
        f"{steps} weight updates of {images_per_step} images: PSNR {recomputed:.1f} dB; batch {batch} had "
        f"{same_steps:.1f} dB after as many updates and {same_images:.1f} dB after as many images; per image, "
        f"batch {images_per_step} cost {per_image:.2f} times the CPU time of batch {batch}"
    )


#: The notebook's sweep corrupts the test images with seed 10 + i at the i-th amount (section 7).
_SWEEP_SEED = 10
#: Recomputed and reported PSNRs may differ by this much (other noise seeds give slightly different figures).
_SWEEP_TOL_DB = 0.1


@exercise("03.3")
def exercise_3(
    blind_sweep,
    *,
    model,
    x,
    amounts: Sequence[float],
    noisy: Sequence[float],
    specialist: Sequence[float],
    steps: int,
    min_gain_db: float,
) -> str:
    """Test PSNRs of a ``model`` trained on several noise levels, one per amount of ``amounts``, on images ``x``.

    The check recomputes every PSNR from the model (the test images corrupted as in the notebook's sweep), counts
    the model's weight updates (``steps``), and compares with the sweeps of the noisy input and the specialist.
    """
    from course_utils.corruptions import salt_and_pepper
    from course_utils.metrics import psnr

    answered(blind_sweep, "blind_sweep", "a list of test PSNRs, one per amount in AMOUNTS")
    answered(model, "blind", "the model you trained on the mixed noise levels")
    values = as_array(blind_sweep, "blind_sweep", shape=(len(amounts),))
    require(
        np.all((values > 1) & (values <= 100)), "PSNRs are in dB: use cu.metrics.psnr(x_test, model output)"
    )
    require(
        hasattr(model, "predict") and hasattr(model, "optimizer"),
        f"`blind` must be the trained Keras model, got {type(model).__name__}",
    )
    updates = int(np.asarray(model.optimizer.iterations)) if model.optimizer is not None else 0
    require(
        updates == steps,
        f"`blind` made {updates} weight updates: train it for SIDE_EPOCHS epochs with batches of BATCH "
        f"({steps} updates), once",
    )
    x = np.asarray(x, dtype=np.float32)
    corrupted = np.concatenate([salt_and_pepper(x, a, seed=_SWEEP_SEED + i) for i, a in enumerate(amounts)])
    out = np.clip(model.predict(corrupted, verbose=0, batch_size=500), 0, 1).reshape(len(amounts), *x.shape)
    recomputed = np.array([psnr(x, o) for o in out])
    off = np.abs(values - recomputed) > _SWEEP_TOL_DB
    require(
        not off.any(),
        f"`blind_sweep` is not what `blind` scores on the noisy test images at p = "
        f"{[a for a, o in zip(amounts, off, strict=True) if o]}: compute every entry with cu.metrics.psnr(x_test, "
        "the model's output on x_test corrupted at that amount)",
    )
    require(
        not np.allclose(recomputed, np.asarray(specialist, dtype=np.float64), atol=0.01),
        "these are the specialist's numbers: evaluate the new model trained on the mixed noise levels",
    )
    at = list(amounts).index(0.3)
    require(
        recomputed[at] > noisy[at] + min_gain_db,
        "at p = 0.3 the blind model barely beats the noisy input: did it train on the mixed levels?",
    )
    wins = [a for a, b, s in zip(amounts, recomputed, specialist, strict=True) if b > s]
    return f"the blind model beats the specialist at p = {wins}" if wins else "the specialist wins everywhere"
