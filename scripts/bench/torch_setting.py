"""torch's fastest setting for a workload: the bench compares with the reference at its best on this machine, not at
its defaults. A workload that has several ways to run in torch (eager; channels-last memory; `torch.compile`, which
fuses the elementwise ops and, with channels-last, runs oneDNN's convolutions without layout changes) lists them, and
`fastest` times each twice after a warm-up call (which is where `torch.compile` compiles) and keeps the quickest.

Measured with 2 threads on an AVX2 Zen 3 machine: cd-fvd's I3D on one 16×224×224 clip took 855 ms eager, 736 ms eager
in channels_last_3d, 393–425 ms compiled in channels_last_3d; CLIP ViT-B/32 on 64 frames 5443 ms eager, 4182 ms
compiled. A setting that fails (torch.compile needs a C++ compiler) is skipped and reported.

VANS_BENCH_TORCH_SETTING=NAME forces a setting for every workload that has it; bench.py prints the choices as
`# torch_setting` lines."""
import os
import time

# name -> (chosen setting, {setting: milliseconds or error text})
CHOICES = {}


def fastest(name, candidates):
    """candidates: {setting: factory}, each factory returning a step callable. Returns the fastest setting's step."""
    forced = os.environ.get("VANS_BENCH_TORCH_SETTING")
    if forced and forced in candidates:
        candidates = {forced: candidates[forced]}
    results, best = {}, None
    for setting, factory in candidates.items():
        try:
            step = factory()
            step()  # warm-up: compiles, faults pages in, wakes threads
            elapsed = float("inf")
            for _ in range(2):  # the quicker of two calls: one call alone can catch a noisy moment
                start = time.perf_counter()
                step()
                elapsed = min(elapsed, (time.perf_counter() - start) * 1e3)
        except Exception as error:  # a setting this machine cannot run (no compiler, an unsupported op)
            results[setting] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:120] if str(error) else ''}"
            continue
        results[setting] = elapsed
        if best is None or elapsed < best[1]:
            best = (setting, elapsed, step)
    if best is None:
        raise SystemExit(f"bench: no torch setting of {name} ran: {results}")
    CHOICES[name] = (best[0], results)
    return best[2]


def report():
    """`# torch_setting` lines for the workloads that chose one."""
    for name, (setting, results) in CHOICES.items():
        tried = ", ".join(f"{s} {v:.0f} ms" if isinstance(v, float) else f"{s} {v}" for s, v in results.items())
        print(f"# torch_setting {name}: {setting} (quicker of two timed calls each: {tried})", flush=True)
