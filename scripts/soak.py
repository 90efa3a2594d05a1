#!/usr/bin/env python3
"""Soak: does Vigil page when, and only when, a provider does not work?

Runs, all on 127.0.0.1 and for --minutes: `vigil simulate` where every path answers healthy but for
a random --fault-rate share of calls that are reset or cut short (the `faulty` scenario), a webhook
receiver in this process, and `vigil run` watching --providers x --checks-per-provider checks of it
at --interval with failure_threshold 3 and success_threshold 2. At --outage-at one provider (p00)
really fails (503 on every path) for --outage-for, then recovers.

Prints false pages (a down or degraded event for a provider that was not out, or outside the
outage), missed pages (no down event during the outage, or no up event after it), the detection
time (outage start -> provider.down received) against its bound failure_threshold x interval + 1 s,
the recovery time, and how many probes ran, failed and were retried. Exits 0 when there were no
false and no missed pages and detection was within its bound, else 1 (2 on a usage error, 3 when
something could not start). Everything it starts it stops by PID.

Usage: soak.py --vigil PATH [--minutes 30] [--providers 20] [--checks-per-provider 5]
               [--interval 5] [--fault-rate 5] [--outage-at M] [--outage-for M] [--seed N]
               [--keep DIR]
"""
import argparse
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

FAILURE_THRESHOLD = 3
SUCCESS_THRESHOLD = 2
VICTIM = "p00"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.BaseHTTPRequestHandler):
    """Records every webhook with the moment it arrived (monotonic seconds)."""
    events = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Receiver.lock:
            Receiver.events.append((time.monotonic(), self.headers.get("webhook-id"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def post(url):
    req = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.read().decode()


def metric_sum(text, name, **labels):
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def write_config(path, args, sim_port, vigil_port, receiver_port):
    lines = [
        "server:",
        f"  listen: 127.0.0.1:{vigil_port}",
        "defaults:",
        f"  interval: {args.interval}s",
        f"  timeout: {min(2, args.interval)}s",
        f"  failure_threshold: {FAILURE_THRESHOLD}",
        f"  success_threshold: {SUCCESS_THRESHOLD}",
        "providers:",
    ]
    for p in range(args.providers):
        name = f"p{p:02d}"
        lines += [f"  - name: {name}", f"    base_url: http://127.0.0.1:{sim_port}/{name}", "    checks:"]
        for c in range(args.checks_per_provider):
            lines += [f"      - name: c{c}", f"        path: /c{c}",
                      "        expect:", "          json:", "            - { pointer: /object, equals: balance }"]
    lines += [
        "notifiers:",
        "  - name: receiver",
        "    type: webhook",
        f"    url: http://127.0.0.1:{receiver_port}/hook",
        "    on: [down, degraded, up]",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def wait_ready(url, proc, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"vigil run exited with {proc.returncode}")
        try:
            get(url + "/readyz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("vigil run did not become ready")


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def judge(events, start, outage_start, outage_end, end, bound):
    """Returns (false_pages, missed, detection_s, recovery_s), each page as a printable line."""
    false_pages, missed = [], []
    detection = recovery = None
    for at, _, e in events:
        kind, provider = e.get("type"), e.get("provider")
        rel = at - start
        if kind not in ("provider.down", "provider.degraded"):
            continue
        in_outage = provider == VICTIM and outage_start <= at <= outage_end + bound
        if not in_outage:
            false_pages.append(f"  {rel:8.1f} s  {kind} {provider}: {json.dumps(e.get('reasons'))[:300]}")
        elif kind == "provider.down" and detection is None:
            detection = at - outage_start
    if detection is None:
        missed.append(f"  no provider.down for {VICTIM} during its outage")
    ups = [at for at, _, e in events if e.get("type") == "provider.up" and e.get("provider") == VICTIM
           and at >= outage_end]
    if detection is not None:
        if ups:
            recovery = ups[0] - outage_end
        else:
            missed.append(f"  no provider.up for {VICTIM} after the outage ended")
    downs = [1 for at, _, e in events if e.get("type") == "provider.down" and e.get("provider") == VICTIM]
    if len(downs) > 1:
        false_pages.append(f"  {VICTIM} paged down {len(downs)} times for one outage")
    return false_pages, missed, detection, recovery


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vigil", required=True, help="path to the vigil binary")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--providers", type=int, default=20)
    ap.add_argument("--checks-per-provider", type=int, default=5)
    ap.add_argument("--interval", type=int, default=5, help="seconds between probes of a check")
    ap.add_argument("--fault-rate", type=float, default=5, help="percent of calls reset or cut short")
    ap.add_argument("--outage-at", type=float, help="minutes from the start (default: a third in)")
    ap.add_argument("--outage-for", type=float, help="minutes (default: a tenth of the run, at least 6 intervals)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the simulator's faults (default random)")
    ap.add_argument("--keep", help="keep the state directory (config, database, logs) here")
    args = ap.parse_args()
    if args.providers < 2 or args.checks_per_provider < 1 or args.interval < 1 or not 0 <= args.fault_rate <= 100:
        ap.error("need at least 2 providers, 1 check each, an interval of 1 s or more, a rate of 0-100")
    run_s = args.minutes * 60
    outage_at = (args.outage_at if args.outage_at is not None else args.minutes / 3) * 60
    outage_for = (args.outage_for * 60 if args.outage_for is not None
                  else max(run_s / 10, 6 * args.interval))
    bound = FAILURE_THRESHOLD * args.interval + 1
    if outage_at + outage_for + (SUCCESS_THRESHOLD + 1) * args.interval > run_s:
        ap.error("the outage and the recovery after it must end before the run does")

    work = args.keep or tempfile.mkdtemp(prefix="vigil-soak-")
    os.makedirs(work, exist_ok=True)
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    sim = vigil = None
    sim_log = open(os.path.join(work, "simulate.log"), "w")
    vigil_log = open(os.path.join(work, "vigil.log"), "w")
    try:
        sim_port = free_port()
        sim_cmd = [args.vigil, "simulate", "--listen", f"127.0.0.1:{sim_port}",
                   "--scenario", f"/=faulty?rate={args.fault_rate:g}"]
        if args.seed:
            sim_cmd += ["--seed", str(args.seed)]
        sim = subprocess.Popen(sim_cmd, stderr=sim_log)
        sim_url = f"http://127.0.0.1:{sim_port}"
        for _ in range(100):
            try:
                get(sim_url + "/_sim/scenarios", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        vigil_port = free_port()
        config = os.path.join(work, "soak.yaml")
        write_config(config, args, sim_port, vigil_port, receiver.server_address[1])
        vigil = subprocess.Popen([args.vigil, "run", "-c", config, "--state-dir", work], stderr=vigil_log)
        vigil_url = f"http://127.0.0.1:{vigil_port}"
        start = time.monotonic()
        wait_ready(vigil_url, vigil, 30)
        checks = args.providers * args.checks_per_provider
        print(f"soak: {checks} checks at {args.interval} s for {args.minutes:g} min, {args.fault_rate:g}% "
              f"network faults, thresholds {FAILURE_THRESHOLD}/{SUCCESS_THRESHOLD}; {VICTIM} out from "
              f"{outage_at:.0f} s for {outage_for:.0f} s; state in {work}", flush=True)

        time.sleep(max(0, start + outage_at - time.monotonic()))
        post(f"{sim_url}/_sim/scenario?path=/{VICTIM}&scenario=error&code=503")
        outage_start = time.monotonic()
        time.sleep(max(0, outage_start + outage_for - time.monotonic()))
        post(f"{sim_url}/_sim/scenario?path=/{VICTIM}&scenario=faulty&rate={args.fault_rate:g}")
        outage_end = time.monotonic()
        while time.monotonic() < start + run_s:
            if vigil.poll() is not None:
                raise RuntimeError(f"vigil run exited with {vigil.returncode} during the soak")
            time.sleep(1)
        metrics = get(vigil_url + "/metrics")
        end = time.monotonic()
    except RuntimeError as e:
        print(f"soak: {e}", file=sys.stderr)
        return 3
    finally:
        stop(vigil)
        stop(sim)
        receiver.shutdown()
        sim_log.close()
        vigil_log.close()

    with Receiver.lock:
        events = list(Receiver.events)
    false_pages, missed, detection, recovery = judge(events, start, outage_start, outage_end, end, bound)
    probes = metric_sum(metrics, "vigil_probes_total")
    failed = metric_sum(metrics, "vigil_probes_total", outcome="fail")
    failed_victim = metric_sum(metrics, "vigil_probes_total", outcome="fail", provider=VICTIM)
    retries = metric_sum(metrics, "vigil_probe_retries_total")
    print(f"probes: {probes:.0f}; sent again after a network fault: {retries:.0f} "
          f"({100 * retries / max(probes, 1):.2f}%); failed results: {failed:.0f} "
          f"({failed - failed_victim:.0f} outside the outage)")
    print(f"webhooks received: {len(events)}")
    print(f"false pages: {len(false_pages)}")
    for line in false_pages:
        print(line)
    print(f"missed pages: {len(missed)}")
    for line in missed:
        print(line)
    if detection is not None:
        print(f"detection (outage start -> provider.down received): {detection:.1f} s "
              f"(bound {FAILURE_THRESHOLD} x {args.interval} s + 1 s = {bound} s)")
    if recovery is not None:
        print(f"recovery (outage end -> provider.up received): {recovery:.1f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    ok = not false_pages and not missed and detection is not None and detection <= bound
    print("soak: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
