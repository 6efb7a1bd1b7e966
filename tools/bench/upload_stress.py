"""Upload stress: the largest accepted upload against gunicorn, and /healthz meanwhile.

    .venv/bin/python tools/bench/upload_stress.py                  # every format, 5 runs each
    .venv/bin/python tools/bench/upload_stress.py --cases png-chart --runs 3 --workers 3

It builds a fresh SQLite database in a temporary folder (migrate, createcachetable,
seed_demo), collects static files, starts `gunicorn -c gunicorn.conf.py config.wsgi` on
127.0.0.1 with production settings over plain HTTP, and signs in as the demo learner ada.
Each case is the worst upload the project form accepts for one kind of file: as many
files as one request takes (MAX_IMAGES_PER_UPLOAD), each as many pixels as allowed and as
close to the byte limit as that content gets (a chart or a photo, drawn here with Pillow
from a fixed seed). For each case, --runs times:

  single  one such upload to /projects/new/: the time until the answer, and the serving
          worker's peak memory (VmHWM from /proc/<pid>/status, reset before each upload
          through /proc/<pid>/clear_refs);
  pair    two such uploads at once while /healthz is asked every --interval seconds,
          one request after the other: the uploads' times, the workers' peak memory and
          the latency of every /healthz answered meanwhile.

Then refused uploads (a file too many, too many pixels, a file over the byte limit) must
answer the form again (200) with the message and write nothing; a worker killed in the
middle of an upload (SIGABRT, as gunicorn's timeout does, then SIGKILL) must leave nothing
behind; and the server's temporary folder ($TMPDIR, and Django's FILE_UPLOAD_TEMP_DIR)
must be empty, and the media folder hold exactly the files that image rows name.
--page PATH also drives PATH, signed in as ada, with wrk (apt-get install wrk) for
--wrk-seconds, alone and while pairs of uploads run. --encoders only prints the size and
CPU time of each PNG, JPEG and WebP encoder setting on a 12-megapixel chart and photo.

gunicorn's own settings come from gunicorn.conf.py and its GUNICORN_* variables;
--workers, --threads and --worker-class override them on gunicorn's command line. The
medians printed at the end are the figures docs/reliability.md records. Exit status 0
only if every accepted upload was saved, every refusal refused and nothing was left.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"  # the only address this script sends requests to
PASSWORD = "gradient-demo"  # seed_demo's

SETTINGS_MODULE = '''"""tools/bench/upload_stress.py's settings: production's, two folders moved."""

from config.settings import *  # noqa: F403

# collectstatic goes to this run's temporary folder, without the seconds spent
# pre-compressing every file (this script asks for pages, not static files).
STATIC_ROOT = {static_root!r}
STORAGES = {{
    **STORAGES,  # noqa: F405
    "staticfiles": {{
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    }},
}}
# Where Django would put an upload's temporary file, if it ever wrote one.
FILE_UPLOAD_TEMP_DIR = {temp_dir!r}
'''

FORM = {
    "title": "Upload stress",
    "kind": "personal",
    "summary": "Charts.",
    "visibility": "private",
    "metrics-TOTAL_FORMS": "0",
    "metrics-INITIAL_FORMS": "0",
    "metrics-MIN_NUM_FORMS": "0",
    "metrics-MAX_NUM_FORMS": "20",
    "collaborators-TOTAL_FORMS": "0",
    "collaborators-INITIAL_FORMS": "0",
    "collaborators-MIN_NUM_FORMS": "0",
    "collaborators-MAX_NUM_FORMS": "20",
    "images-TOTAL_FORMS": "0",
    "images-INITIAL_FORMS": "0",
    "images-MIN_NUM_FORMS": "0",
    "images-MAX_NUM_FORMS": "1000",
}


# -- the images ------------------------------------------------------------------------------


def draw_chart(width: int, height: int, seed: int = 1):  # type: ignore[no-untyped-def]
    """A plot as a plotting library draws one: grid, axes, labels, five noisy lines, 3,000
    scatter points, a confusion-matrix inset and a legend, with anti-aliased edges."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    s = width / 1000  # a 1000-pixel-wide chart has 1-pixel lines
    font = ImageFont.load_default(size=max(10, int(14 * s)))
    left, top = int(80 * s), int(40 * s)
    right, bottom = width - int(160 * s), height - int(80 * s)
    draw.rectangle((left, top, right, bottom), fill=(235, 235, 235))
    x: float
    y: float
    for i in range(11):
        x, y = left + (right - left) * i // 10, top + (bottom - top) * i // 10
        draw.line((x, top, x, bottom), fill="white", width=max(1, int(2 * s)))
        draw.line((left, y, right, y), fill="white", width=max(1, int(2 * s)))
        draw.text((x, bottom + 10 * s), f"{i / 10:.1f}", fill="black", font=font)
        draw.text((left - 50 * s, y), f"{1 - i / 10:.1f}", fill="black", font=font)
    colours = [(228, 26, 28), (55, 126, 184), (77, 175, 74), (152, 78, 163), (255, 127, 0)]
    for colour in colours:
        y, points = (top + bottom) / 2, []
        for x in range(left, right, max(1, int(4 * s))):
            y = min(bottom, max(top, y + rng.gauss(0, 3 * s)))
            points.append((x, y))
        draw.line(points, fill=colour, width=max(1, int(3 * s)))
    r = max(2, int(3 * s))
    for _ in range(3000):
        x, y = rng.uniform(left, right), rng.uniform(top, bottom)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(colours))
    cell = 40 * s
    for i in range(5):
        for j in range(5):
            v = rng.randrange(40, 255)
            box = (left + 20 * s + j * cell, top + 20 * s + i * cell)
            draw.rectangle(
                (*box, box[0] + cell, box[1] + cell), fill=(255 - v // 2, 255 - v // 3, 255)
            )
    for k, colour in enumerate(colours):
        y = top + 40 * s * k
        draw.rectangle((right + 20 * s, y, right + 40 * s, y + 20 * s), fill=colour)
        draw.text((right + 50 * s, y), f"model {k}", fill="black", font=font)
    return image.filter(ImageFilter.BoxBlur(max(1, s / 2)))


def draw_photo(width: int, height: int, seed: int = 1, grain: int = 25):  # type: ignore[no-untyped-def]
    """Something with a photo's statistics: smooth colour, objects with soft edges, texture
    and sensor grain (a 12-megapixel one is about 3.5 MB as a JPEG at quality 92)."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    small = Image.new("RGB", (12, 9))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(12 * 9)])
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.005, 0.08) * width
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r * rng.uniform(0.3, 1), x + r, y + r), fill=colour)
        else:
            corners = [(x + rng.uniform(-r, r), y + rng.uniform(-r, r)) for _ in range(5)]
            draw.polygon(corners, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(width / 2000))
    texture = Image.effect_noise((max(1, width // 6), max(1, height // 6)), 40)
    texture = texture.resize((width, height), Image.Resampling.BICUBIC)
    detail = Image.blend(texture, Image.effect_noise((width, height), grain), 0.5)
    return Image.blend(image, Image.merge("RGB", (detail, detail, detail)), 0.35)


@dataclass(frozen=True)
class Case:
    name: str
    image_format: str  # "PNG" | "JPEG" | "WEBP"
    draw: Callable
    options: dict


CASES = {
    case.name: case
    for case in [
        Case("png-chart", "PNG", draw_chart, {}),
        Case("png-photo", "PNG", lambda w, h: draw_photo(w, h, grain=0), {}),
        Case("jpeg-photo", "JPEG", draw_photo, {"quality": 92}),
        Case("jpeg-progressive", "JPEG", draw_photo, {"quality": 92, "progressive": True}),
        Case("webp-photo", "WEBP", draw_photo, {"quality": 90}),
        Case("webp-lossless-chart", "WEBP", draw_chart, {"lossless": True}),
    ]
}


def largest_file(case: Case, max_pixels: int, max_bytes: int) -> tuple[bytes, tuple[int, int]]:
    """The largest 4:3 image of the case's content within both limits."""
    scale = 1.0
    while True:
        width = int(math.sqrt(max_pixels * 4 / 3) * scale)
        height = width * 3 // 4
        while width * height > max_pixels:
            height -= 1
        buffer = io.BytesIO()
        case.draw(width, height).save(buffer, case.image_format, **case.options)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue(), (width, height)
        scale *= math.sqrt(max_bytes / buffer.tell()) * 0.98


ENCODER_OPTIONS = {
    "PNG": [{"compress_level": n} for n in (1, 2, 3, 4, 6)] + [{"optimize": True}],
    "JPEG": [
        {"quality": 85},
        {"quality": 85, "optimize": True},
        {"quality": 85, "optimize": True, "progressive": True},
    ],
    "WEBP": [{"quality": 85, "method": n} for n in (0, 1, 2, 4, 6)],
}


def compare_encoders() -> None:
    """Size and CPU time of each encoder setting on a 12-megapixel chart and photo."""
    import time as clock

    pictures = {"chart": draw_chart(4000, 3000), "photo": draw_photo(4000, 3000)}
    print("format  options                                      content  ms/MP  bits/pixel")
    for image_format, choices in ENCODER_OPTIONS.items():
        for options in choices:
            for content, picture in pictures.items():
                best, size = float("inf"), 0
                for _ in range(2):
                    buffer = io.BytesIO()
                    started = clock.process_time()
                    picture.save(buffer, image_format, **options)
                    best, size = min(best, clock.process_time() - started), buffer.tell()
                label = ", ".join(f"{k}={v}" for k, v in options.items())
                print(
                    f"{image_format:<7} {label:<44} {content:<8} {best * 1000 / 12:6.1f} "
                    f"{size * 8 / 12e6:10.3f}",
                    flush=True,
                )


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, args: argparse.Namespace, tmp: Path):  # type: ignore[no-untyped-def]
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
    command += ["--bind", f"{HOST}:{port}", "--access-logfile", str(tmp / "access.log")]
    for flag in ("workers", "threads", "worker_class"):
        if getattr(args, flag) is not None:
            command += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    log = (tmp / "gunicorn.log").open("ab")
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{tail(tmp)}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s:\n{tail(tmp)}")


def stop(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    server.terminate()  # gunicorn's master stops its workers on SIGTERM
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def tail(tmp: Path, lines: int = 30) -> str:
    try:
        text = (tmp / "gunicorn.log").read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def workers(master: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def status_mb(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peaks(master: int) -> dict[int, float]:
    """Reset every worker's VmHWM to its current size; return those sizes."""
    sizes = {}
    for pid in workers(master):
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            continue
        sizes[pid] = status_mb(pid, "VmRSS")
    return sizes


def peak(master: int) -> float:
    return max((status_mb(pid, "VmHWM") for pid in workers(master)), default=0.0)


def server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's master and workers, ended workers included."""
    return cpu_seconds(master, children=True) + sum(cpu_seconds(pid) for pid in workers(master))


def cpu_seconds(pid: int, children: bool = False) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    used = int(fields[11]) + int(fields[12])  # utime, stime
    if children:  # and those of its children that ended and were waited for
        used += int(fields[13]) + int(fields[14])
    return used / os.sysconf("SC_CLK_TCK")


# -- the client -------------------------------------------------------------------------------


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    client.get("/accounts/login/")  # sets the CSRF cookie
    response = client.post(
        "/accounts/login/",
        data={
            "login": "ada",
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    if response.status_code != 302:
        raise SystemExit(f"ada could not sign in: HTTP {response.status_code}")
    return client


@dataclass
class Upload:
    seconds: float = 0.0
    status: int = 0
    error: str = ""
    body: str = ""
    location: str = ""  # where a saved project's redirect points


def upload(client: httpx.Client, files: list[tuple[str, bytes]], result: Upload) -> None:
    data = {**FORM, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
    # One file and caption per slot of the form (tracker/portfolio/forms.py IMAGE_SLOTS).
    data |= {f"image_{n}_caption": f"Chart {n}" for n in range(1, len(files) + 1)}
    parts = [
        (f"image_{n}", (name, content, "application/octet-stream"))
        for n, (name, content) in enumerate(files, start=1)
    ]
    started = time.perf_counter()
    try:
        response = client.post("/projects/new/", data=data, files=parts)
        result.status, result.body = response.status_code, response.text
        result.location = response.headers.get("Location", "")
    except httpx.HTTPError as e:
        result.error = f"{type(e).__name__}: {e}"
    result.seconds = time.perf_counter() - started


@dataclass
class Sampler:
    """Asks for /healthz every `interval` seconds, one request after the other."""

    base: str
    interval: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get("/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                if ok:
                    self.latencies.append(elapsed)
                else:
                    self.failures += 1
                stop.wait(max(0.0, self.interval - elapsed))


# -- the runs ---------------------------------------------------------------------------------


@dataclass
class Figures:
    single_seconds: list[float] = field(default_factory=list)
    single_peak_mb: list[float] = field(default_factory=list)
    single_cpu: list[float] = field(default_factory=list)  # the server's CPU seconds
    pair_seconds: list[float] = field(default_factory=list)  # the slower of each pair
    pair_peak_mb: list[float] = field(default_factory=list)
    healthz_max: list[float] = field(default_factory=list)  # per pair
    healthz_p50: list[float] = field(default_factory=list)
    healthz_count: int = 0
    load: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_saved(result: Upload, expected_images: int, figures: Figures) -> None:
    from tracker.models import Project

    found = re.fullmatch(r"/projects/(\d+)/", result.location)
    if result.status != 302 or not found:
        figures.problems.append(f"upload answered {result.status or result.error}")
        return
    project = Project.objects.filter(pk=int(found[1])).first()
    count = project.images.count() if project else 0
    if count != expected_images:
        figures.problems.append(f"saved {count} images of {expected_images}")


def run_case(
    case: Case, files: list[tuple[str, bytes]], base: str, master: int, runs: int, interval: float
) -> Figures:
    figures = Figures()
    clients = [signed_in(base), signed_in(base)]
    upload(clients[0], files, Upload())  # a warm-up, not counted: imports, first connections
    for _ in range(runs):
        figures.load.append(os.getloadavg()[0])
        reset_peaks(master)
        cpu = server_cpu(master)
        result = Upload()
        upload(clients[0], files, result)
        figures.single_cpu.append(server_cpu(master) - cpu)
        figures.single_seconds.append(result.seconds)
        figures.single_peak_mb.append(peak(master))
        check_saved(result, len(files), figures)
        time.sleep(0.5)

        reset_peaks(master)
        results = [Upload(), Upload()]
        sampler, done = Sampler(base, interval), threading.Event()
        threads = [
            threading.Thread(target=upload, args=(client, files, r))
            for client, r in zip(clients, results, strict=True)
        ]
        watcher = threading.Thread(target=sampler.run, args=(done,))
        watcher.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        watcher.join()
        figures.pair_seconds.append(max(r.seconds for r in results))
        figures.pair_peak_mb.append(peak(master))
        for r in results:
            check_saved(r, len(files), figures)
        if sampler.failures:
            figures.problems.append(f"{sampler.failures} /healthz requests failed")
        if sampler.latencies:
            figures.healthz_max.append(max(sampler.latencies))
            figures.healthz_p50.append(statistics.median(sampler.latencies))
            figures.healthz_count += len(sampler.latencies)
        print(
            f"  {case.name}: single {figures.single_seconds[-1]:.2f} s, "
            f"{figures.single_cpu[-1]:.2f} s CPU, {figures.single_peak_mb[-1]:.0f} MB; "
            f"pair {figures.pair_seconds[-1]:.2f} s, "
            f"{figures.pair_peak_mb[-1]:.0f} MB, /healthz max "
            f"{1000 * max(sampler.latencies, default=0):.0f} ms of {len(sampler.latencies)}; "
            f"load {figures.load[-1]:.1f}",
            flush=True,
        )
        time.sleep(0.5)
    for client in clients:
        client.close()
    return figures


@dataclass
class Refusal:
    name: str
    files: list[tuple[str, bytes]]
    message: str


def refusals(limits: dict[str, int], small: bytes, too_many_pixels: bytes) -> list[Refusal]:
    over_bytes = small + b"\0" * (limits["bytes"] + 1 - len(small))
    # The form has a slot per file it takes (MAX_IMAGES_PER_UPLOAD), so "a file too many"
    # cannot be sent; every slot filled with a file over the limit can.
    return [
        Refusal("too many pixels", [("big.png", too_many_pixels)], "megapixels"),
        Refusal(
            "a file over the byte limit",
            [("heavy.png", over_bytes)],
            f"larger than {limits['bytes'] // (1024 * 1024)} MB",
        ),
        Refusal(
            "every file over the byte limit",
            [(f"heavy-{i}.png", over_bytes) for i in range(limits["files"])],
            f"larger than {limits['bytes'] // (1024 * 1024)} MB",
        ),
    ]


def run_refusals(cases: list[Refusal], base: str, master: int) -> list[str]:
    from tracker.models import Project

    problems, client = [], signed_in(base)
    for refusal in cases:
        before = Project.objects.count()
        reset_peaks(master)
        result = Upload()
        upload(client, refusal.files, result)
        ok = result.status == 200 and refusal.message in result.body
        written = Project.objects.count() - before
        print(
            f"  refused, {refusal.name}: HTTP {result.status or result.error} in "
            f"{result.seconds:.2f} s, peak {peak(master):.0f} MB, message "
            f"{'shown' if refusal.message in result.body else 'MISSING'}, {written} written",
            flush=True,
        )
        if not ok or written:
            problems.append(f"refusal '{refusal.name}' was not refused cleanly")
    client.close()
    return problems


def run_kills(files: list[tuple[str, bytes]], base: str, master: int) -> list[str]:
    """Kill the worker in the middle of an upload, as gunicorn's timeout does."""
    from tracker.models import Project

    problems = []
    for sig in (signal.SIGABRT, signal.SIGKILL):
        client, before = signed_in(base), Project.objects.count()
        cpu = {pid: cpu_seconds(pid) for pid in workers(master)}
        result = Upload()
        thread = threading.Thread(target=upload, args=(client, files, result))
        thread.start()
        time.sleep(0.6)  # the images are being decoded by now
        busy = max(cpu, key=lambda pid: cpu_seconds(pid) - cpu[pid])
        os.kill(busy, sig)
        thread.join()
        client.close()
        written = Project.objects.count() - before
        print(
            f"  worker {busy} sent {sig.name} mid-upload: client got "
            f"{result.status or result.error[:60]}; {written} projects written",
            flush=True,
        )
        if written or result.status in (200, 302):
            problems.append(f"{sig.name}: the upload was not cut short")
        time.sleep(3)  # gunicorn starts a new worker
    return problems


def leftovers(tmp: Path) -> list[str]:
    return [str(p) for p in (tmp / "tmp").rglob("*")]


def media_files(tmp: Path) -> set[str]:
    media = tmp / "media"
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


def wrk(base: str, path: str, cookies: str, seconds: int) -> str:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookies}"]
    out = subprocess.run(command + [base + path], capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (
        f"{float(rps[1]) if rps else 0:.1f} req/s, p50 {p50[1] if p50 else '?'}, "
        f"p99 {p99[1] if p99 else '?'}, errors {non2xx[1] if non2xx else 0}"
    )


def run_wrk(base: str, path: str, seconds: int, files: list[tuple[str, bytes]]) -> None:
    client = signed_in(base)
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    print(f"  wrk /healthz alone: {wrk(base, '/healthz', cookies, seconds)}", flush=True)
    print(f"  wrk {path} alone: {wrk(base, path, cookies, seconds)}", flush=True)
    stop = threading.Event()

    def uploads() -> None:
        pair = [signed_in(base), signed_in(base)]
        while not stop.is_set():
            threads = [threading.Thread(target=upload, args=(c, files, Upload())) for c in pair]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        for c in pair:
            c.close()

    background = threading.Thread(target=uploads)
    background.start()
    time.sleep(0.5)
    try:
        print(f"  wrk {path} during uploads: {wrk(base, path, cookies, seconds)}", flush=True)
    finally:
        stop.set()
        background.join()
        client.close()


# -- the report -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(name: str, size: tuple[int, int], nbytes: int, files: int, f: Figures) -> None:
    mp = size[0] * size[1] / 1e6
    print(
        f"{name:<20} {files} × {size[0]}×{size[1]} ({mp:.1f} MP, {nbytes / 1e6:.2f} MB)\n"
        f"{'':20} single: {median(f.single_seconds):.2f} s (max {max(f.single_seconds):.2f}), "
        f"peak {median(f.single_peak_mb):.0f} MB (max {max(f.single_peak_mb):.0f}), "
        f"server CPU {median(f.single_cpu):.2f} s\n"
        f"{'':20} pair:   {median(f.pair_seconds):.2f} s (max {max(f.pair_seconds):.2f}), "
        f"peak {median(f.pair_peak_mb):.0f} MB (max {max(f.pair_peak_mb):.0f}); /healthz "
        f"p50 {1000 * median(f.healthz_p50):.0f} ms, max {1000 * median(f.healthz_max):.0f} ms "
        f"(median of the runs' maxima; worst {1000 * max(f.healthz_max, default=0):.0f} ms, "
        f"{f.healthz_count} samples)\n"
        f"{'':20} load average {min(f.load):.1f}–{max(f.load):.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", default=",".join(CASES), help="comma-separated, of: " + ", ".join(CASES)
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between /healthz")
    parser.add_argument("--workers", type=int, help="gunicorn --workers")
    parser.add_argument("--threads", type=int, help="gunicorn --threads")
    parser.add_argument("--worker-class", help="gunicorn --worker-class")
    parser.add_argument("--page", help="also drive this page with wrk, e.g. /dashboard/")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--encoders", action="store_true", help="only compare encoder settings (no server)"
    )
    args = parser.parse_args()
    if args.encoders:
        compare_encoders()
        return 0
    names = [n.strip() for n in args.cases.split(",") if n.strip()]
    if unknown := set(names) - set(CASES):
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="gradient-uploads-"))
    (tmp / "tmp").mkdir()
    server = None
    try:
        (tmp / "gradient_upload_settings.py").write_text(
            SETTINGS_MODULE.format(static_root=str(tmp / "static"), temp_dir=str(tmp / "tmp"))
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "gradient_upload_settings",
            "DATABASE_URL": f"sqlite:///{tmp / 'uploads.sqlite3'}",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_MEDIA_ROOT": str(tmp / "media"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "TMPDIR": str(tmp / "tmp"),  # where Python's tempfile writes, in the server
        }
        env.pop("REDIS_URL", None)
        os.environ.update({k: v for k, v in env.items() if k != "TMPDIR"})
        sys.path[:0] = [str(tmp), str(ROOT)]
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from tracker.portfolio.forms import MAX_IMAGES_PER_UPLOAD
        from tracker.portfolio.images import MAX_BYTES, pixel_limit

        started = time.monotonic()
        quiet = io.StringIO()
        call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
        call_command("createcachetable", verbosity=0, stdout=quiet)
        call_command("seed_demo", stdout=quiet)
        call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
        connections.close_all()
        print(f"prepared the database in {time.monotonic() - started:.1f} s", flush=True)

        files: dict[str, tuple[bytes, tuple[int, int]]] = {}
        for name in names:
            case = CASES[name]
            files[name] = largest_file(case, pixel_limit(case.image_format), MAX_BYTES)
            data, (w, h) = files[name]
            print(f"{name}: {w}×{h}, {len(data) / 1e6:.2f} MB", flush=True)

        port = free_port()
        base = f"http://{HOST}:{port}"
        server = start_gunicorn(env, port, args, tmp)
        master = server.pid
        print(f"gunicorn {master}: workers {sorted(workers(master))}", flush=True)

        problems: list[str] = []
        figures: dict[str, Figures] = {}
        for name in names:
            data = files[name][0]
            batch = [(f"{name}-{i}.img", data) for i in range(MAX_IMAGES_PER_UPLOAD)]
            figures[name] = run_case(CASES[name], batch, base, master, args.runs, args.interval)
            problems += figures[name].problems

        small, _ = largest_file(CASES["png-chart"], 300_000, MAX_BYTES)
        too_big = largest_file(CASES["png-chart"], pixel_limit("PNG") + 2_000_000, 10**9)[0]
        limits = {"files": MAX_IMAGES_PER_UPLOAD, "bytes": MAX_BYTES}
        problems += run_refusals(refusals(limits, small, too_big), base, master)

        worst = files[names[0]][0]
        problems += run_kills(
            [(f"kill-{i}.img", worst) for i in range(MAX_IMAGES_PER_UPLOAD)], base, master
        )

        if args.page:
            run_wrk(
                base,
                args.page,
                args.wrk_seconds,
                [(f"w-{i}.img", worst) for i in range(MAX_IMAGES_PER_UPLOAD)],
            )

        stop(server)
        server = None
        from tracker.models import ProjectImage

        left = leftovers(tmp)
        named = {n for row in ProjectImage.objects.values_list("image", "thumbnail") for n in row}
        in_media = media_files(tmp)
        print(f"\ntemporary files left: {len(left)}{' ' + ', '.join(left[:5]) if left else ''}")
        print(
            f"media: {len(in_media)} files, {len(named)} named by the database; "
            f"{len(in_media - named)} orphaned, {len(named - in_media)} missing"
        )
        if left:
            problems.append(f"{len(left)} temporary files left")
        if in_media != named:
            problems.append("media files and database rows differ")

        print(
            f"\ngunicorn -c gunicorn.conf.py {' '.join(sys.argv[1:])}; "
            f"{MAX_IMAGES_PER_UPLOAD} files per upload; {args.runs} runs; medians\n"
        )
        for name in names:
            data, size = files[name]
            report(name, size, len(data), MAX_IMAGES_PER_UPLOAD, figures[name])
        for problem in problems:
            print("PROBLEM:", problem)
        return 1 if problems else 0
    finally:
        stop(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
