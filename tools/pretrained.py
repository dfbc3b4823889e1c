"""Pretrained models for a lab (``make pretrained``): run the course in full mode, pack the models it used.

Every training run of the course goes through the trained-model cache (``cu.training.fit_or_load``). This tool
runs the notebooks in full mode (training what the cache lacks, loading the rest), then packs exactly the cache
entries that run used into one archive with a SHA-256 manifest::

    python tools/pretrained.py                 # all notebooks -> build/pretrained/course-models.tar
    python tools/pretrained.py --pack-only     # pack what the last run used (no notebook runs)

Share it in one of two ways:

* copy ``course-models.tar`` into the lab's data folder, ``$COURSE_DATA_DIR/models/``: every notebook started with
  that ``COURSE_DATA_DIR`` loads its models from it (each file checked against the manifest first);
* or publish it on a web server and set its address, with its SHA-256, in ``pyproject.toml``::

      [project.urls]
      "Pretrained models" = "https://example.org/course-models.tar#sha256=<the hash printed below>"

  (or ``COURSE_PRETRAINED_URL`` in the environment): the notebooks download it once, check the hash, and keep it
  in the cache. Offline, or without either, the notebooks train as usual.

The models fit the versions they were trained with (Keras and TensorFlow major.minor, CPU or GPU): a machine
with other versions trains instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from course_utils import config, model_cache  # noqa: E402

STAMP = "pretrained-run.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument(
        "--out", type=Path, default=None, help="default: <build>/pretrained/course-models.tar"
    )
    parser.add_argument("--only", nargs="*", default=None, help="notebook number prefixes (default: all)")
    parser.add_argument("--pack-only", action="store_true", help="pack what the last run used; run nothing")
    args = parser.parse_args(argv)
    build = args.build.resolve()
    out = (args.out or build / "pretrained" / model_cache.ARCHIVE_NAME).resolve()
    stamp = build / STAMP
    if args.pack_only:
        if not stamp.is_file():
            print(f"no run to pack: {stamp} is missing; run without --pack-only first", file=sys.stderr)
            return 2
        start = json.loads(stamp.read_text())["start"]
    else:
        import run_course

        start = time.time()
        build.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"start": start, "mode": "full"}))
        status = run_course.main(
            ["--mode", "full", "--build", str(build), *(["--only", *args.only] if args.only else [])]
        )
        if status != 0:
            print("a notebook failed: nothing packed (fix it, then run again)", file=sys.stderr)
            return status
    entries = model_cache.used_since(start)
    if not entries:
        print(f"no models in {config.model_cache_dir()} were used since the run started", file=sys.stderr)
        return 2
    digest = model_cache.pack(entries, out)
    size = out.stat().st_size / 2**20
    print(f"packed {len(entries)} trained models from {config.model_cache_dir()} into {out} ({size:.0f} MiB)")
    print(f"SHA-256 {digest} (also in {out.name}.sha256)")
    print(f"lab: copy it to $COURSE_DATA_DIR/models/{model_cache.ARCHIVE_NAME}")
    print(
        f'web: publish it, then in pyproject.toml [project.urls] "Pretrained models" = "<url>#sha256={digest}"'
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
