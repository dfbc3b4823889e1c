"""Checks for the exercises of notebook 03 (denoising autoencoders)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from course_utils.checks import answered, answered_function, as_array, as_number, close, exercise, require


def _reference_expected_mse(x: np.ndarray, p: float) -> np.ndarray:
    return p * (3 / 8 - x + x**2)  # Var v + (E v - x)^2 = 1/8 + (1/2 - x)^2, for a replaced pixel


@exercise("03.1")
def exercise_1(expected_mse, predicted, *, x, x_noisy, amount: float) -> str:
    """``expected_mse(x, p)`` and the ``predicted`` mean MSE of the noisy images ``x_noisy`` of ``x``."""
    probe = np.array([0.0, 0.25, 0.5, 1.0])
    answered_function(expected_mse, "expected_mse", probe=(probe, 1.0))
    answered(predicted, "predicted", "the predicted mean MSE of the noisy test images (a float)")
    at_one = as_array(expected_mse(probe, 1.0), "expected_mse(x, 1.0)", shape=probe.shape)
    close(
        at_one,
        _reference_expected_mse(probe, 1.0),
        "with p = 1 every pixel is replaced by v: expand E[(v - x)^2] with E[v] = 1/2 and Var[v] = 1/8",
    )
    close(
        as_array(expected_mse(probe, 0.2), "expected_mse(x, 0.2)", shape=probe.shape),
        _reference_expected_mse(probe, 0.2),
        "a pixel is replaced only with probability p; otherwise its error is 0",
    )
    x = np.asarray(x, dtype=np.float64)
    reference = float(np.mean(_reference_expected_mse(x, amount)))
    value = as_number(predicted, "predicted")
    close(value, reference, "average expected_mse(x, p) over every pixel of the test images", rtol=1e-3)
    measured = float(np.mean((np.asarray(x_noisy, dtype=np.float64) - x) ** 2))
    return f"predicted MSE {value:.5f}, measured {measured:.5f}"


def _seconds_per_step(log) -> float:
    """Steady-state CPU seconds per step, or (with a single step) the mean including the first step's compile."""
    try:
        return log.seconds_per_step()
    except ValueError:
        return log.seconds[-1] / log.steps[-1]


@exercise("03.2")
def exercise_2(big_batch, *, reference, steps: int, images_per_step: int, batch: int) -> str:
    """The ``TrainingLog`` of the tutorial's model trained ``steps`` steps with batches of 2048.

    ``reference`` is the batch-``batch`` run's log; ``images_per_step`` is 2048 (fewer if the training set is
    smaller). The check compares the two at equal steps, at equal images seen, and by measured CPU time per image.
    """
    from course_utils.training import TrainingLog

    answered(big_batch, "big_batch", "the TrainingLog you passed to fit")
    require(
        isinstance(big_batch, TrainingLog),
        f"`big_batch` must be a cu.training.TrainingLog, got {type(big_batch).__name__}",
    )
    require(
        bool(big_batch.steps) and big_batch.steps[-1] > 0,
        "pass it to fit: model.fit(..., callbacks=[big_batch])",
    )
    require(
        big_batch.steps[-1] == steps,
        f"the run made {big_batch.steps[-1]} weight updates; train for exactly {steps}: "
        "fit(..., epochs=1, steps_per_epoch=BIG_BATCH_STEPS)",
    )
    require(
        not any(math.isnan(v) for v in big_batch.values),
        "give the TrainingLog an evaluate function (val_psnr_of) so that it logs the validation PSNR",
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
        f"{steps} weight updates of {images_per_step} images: PSNR {big_batch.values[-1]:.1f} dB; batch {batch} had "
        f"{same_steps:.1f} dB after as many updates and {same_images:.1f} dB after as many images; per image, "
        f"batch {images_per_step} cost {per_image:.2f} times the CPU time of batch {batch}"
    )


@exercise("03.3")
def exercise_3(
    blind_sweep,
    *,
    amounts: Sequence[float],
    noisy: Sequence[float],
    specialist: Sequence[float],
    min_gain_db: float,
) -> str:
    """Test PSNRs of a model trained on several noise levels, one per amount of ``amounts``."""
    answered(blind_sweep, "blind_sweep", "a list of test PSNRs, one per amount in AMOUNTS")
    values = as_array(blind_sweep, "blind_sweep", shape=(len(amounts),))
    require(
        np.all((values > 1) & (values <= 100)), "PSNRs are in dB: use cu.metrics.psnr(x_test, model output)"
    )
    require(
        not np.allclose(values, np.asarray(specialist, dtype=np.float64)),
        "these are the specialist's numbers: evaluate the new model trained on the mixed noise levels",
    )
    at = list(amounts).index(0.3)
    require(
        values[at] > noisy[at] + min_gain_db,
        "at p = 0.3 the blind model barely beats the noisy input: did it train on the mixed levels, for SIDE_EPOCHS epochs?",
    )
    wins = [a for a, b, s in zip(amounts, values, specialist, strict=True) if b > s]
    return f"the blind model beats the specialist at p = {wins}" if wins else "the specialist wins everywhere"
