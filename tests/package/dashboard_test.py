#!/usr/bin/env python3
"""The Grafana dashboard and the alert rules against a real Vigil scraped by a real Prometheus.

Starts, all on 127.0.0.1: an HTTPS provider (a self-signed certificate, rate-limit headers) and a
webhook receiver in this process, `vigil simulate` playing a broken provider, `vigil run` watching
both with a credential expiry and a webhook notifier, and Debian's `prometheus` scraping Vigil every
second with packaging/prometheus/vigil-rules.yml loaded. Then:
  - every query of packaging/grafana/vigil.json (panel targets and template variables) returns
    data through Prometheus's HTTP API;
  - the dashboard references only SPEC section 7 metric names, each of them present in /metrics;
  - every alert rule evaluates without error, and VigilProviderDown is pending or firing for the
    broken provider (and for no other).
Usage: dashboard_test.py PATH-TO-vigil
"""
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DASHBOARD = os.path.join(ROOT, "packaging/grafana/vigil.json")
RULES = os.path.join(ROOT, "packaging/prometheus/vigil-rules.yml")
# SPEC.md section 7: the public metric names (histograms as their exposed series).
SPEC_METRICS = {
    "vigil_check_up", "vigil_provider_state", "vigil_probe_duration_seconds", "vigil_probes_total",
    "vigil_findings_total", "vigil_quota_remaining", "vigil_quota_remaining_ratio",
    "vigil_certificate_expiry_timestamp_seconds", "vigil_credential_expiry_timestamp_seconds",
    "vigil_alerts_total", "vigil_alert_outbox_depth", "vigil_scheduler_lag_seconds",
    "vigil_config_last_reload_successful",
}
DEADLINE_S = 100


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Provider(http.server.BaseHTTPRequestHandler):
    """A healthy JSON API that reports a quota in X-RateLimit headers."""

    def do_GET(self):
        body = b'{"ok": true, "object": "balance"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-RateLimit-Limit", "100000")
        self.send_header("X-RateLimit-Remaining", "90000")
        self.send_header("X-RateLimit-Reset", "3600")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Receiver(http.server.BaseHTTPRequestHandler):
    posts = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.posts.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(handler, context=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if context:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def read_line(proc, pattern, timeout):
    """Reads the process's stderr until a line matches; returns the match."""
    end = time.time() + timeout
    seen = []
    while time.time() < end:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m
    raise RuntimeError(f"no line matching {pattern!r} from {proc.args[0]}:\n" + "".join(seen[-10:]))


def drain(proc):
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def prom_query(base, expr):
    data = json.loads(get(base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
    if data["status"] != "success":
        raise RuntimeError(f"{expr}: {data}")
    return data["data"]["result"]


def dashboard_queries(dashboard):
    """(where, PromQL) for every panel target and template variable, Grafana macros expanded."""
    macros = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "5m",
              "${__rate_interval}": "1m", "${__range}": "5m"}

    def expand(expr):
        for k, v in macros.items():
            expr = expr.replace(k, v)
        return re.sub(r"\$\{?(provider|job|check|notifier)\}?", ".*", expr)

    out = []
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        q = var.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", q)
        if not m:
            raise RuntimeError(f"variable {var['name']}: not label_values(metric, label): {q}")
        out.append((f"variable {var['name']}", f"group by ({m.group(2)}) ({expand(m.group(1))})"))

    def panels(items):
        for p in items:
            yield p
            yield from panels(p.get("panels", []))

    for p in panels(dashboard["panels"]):
        for t in p.get("targets", []):
            if t.get("expr"):
                out.append((f"panel {p.get('title')!r} {t.get('refId', '')}", expand(t["expr"])))
    return out


def main():
    vigil = os.path.abspath(sys.argv[1])
    dashboard = json.load(open(DASHBOARD))
    queries = dashboard_queries(dashboard)
    assert len(queries) >= 15, f"only {len(queries)} queries in the dashboard"
    ds = [v for v in dashboard["templating"]["list"] if v.get("type") == "datasource"]
    assert ds and ds[0].get("query") == "prometheus", "no Prometheus datasource variable"

    tmp = tempfile.mkdtemp(prefix="vigil-dashboard-")
    procs = []
    try:
        key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "30", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        provider = serve(Provider, context)
        receiver = serve(Receiver)

        sim = subprocess.Popen([vigil, "simulate", "--listen", "127.0.0.1:0", "--scenario", "/broken=error?code=500"],
                               stderr=subprocess.PIPE, text=True)
        procs.append(sim)
        sim_addr = read_line(sim, r"listening on (\S+)", 10).group(1)
        drain(sim)

        config = os.path.join(tmp, "vigil.yaml")
        with open(config, "w") as f:
            f.write(f"""
server: {{ listen: 127.0.0.1:9470 }}
storage: {{ sqlite: vigil.db }}
defaults: {{ interval: 1s, timeout: 900ms, failure_threshold: 2, success_threshold: 1 }}
providers:
  - name: payments
    base_url: https://127.0.0.1:{provider.server_port}
    tls: {{ ca_file: {cert} }}
    auth: {{ type: bearer, token: "${{env:DASHBOARD_TEST_TOKEN}}", expires_at: 2027-06-01, warn_before: 14d }}
    quota: {{ headers: auto, warn_below: 20%, probe_budget: 50% }}
    checks:
      - name: balance
        path: /v1/balance
        expect:
          latency: {{ warn: 500ms, critical: 800ms }}
          json: [{{ pointer: /object, equals: balance }}]
  - name: broken
    base_url: http://{sim_addr}/broken
    checks:
      - {{ name: health, path: /health }}
notifiers:
  - {{ name: hook, type: webhook, url: "http://127.0.0.1:{receiver.server_port}/hook", on: [down, degraded, up] }}
""")
        env = dict(os.environ, DASHBOARD_TEST_TOKEN="sk_test_dashboard_canary")
        daemon = subprocess.Popen([vigil, "run", "--config", config, "--state-dir", tmp, "--listen", "127.0.0.1:0",
                                   "--log-format", "json"], stderr=subprocess.PIPE, text=True, env=env)
        procs.append(daemon)
        vigil_addr = read_line(daemon, r'"listen":"([^"]+)"', 20).group(1)
        drain(daemon)

        prom_port = free_port()
        prom_cfg = os.path.join(tmp, "prometheus.yml")
        shutil.copy(RULES, os.path.join(tmp, "vigil-rules.yml"))
        with open(prom_cfg, "w") as f:
            f.write(f"""
global: {{ scrape_interval: 1s, evaluation_interval: 1s }}
rule_files: [vigil-rules.yml]
scrape_configs:
  - job_name: vigil
    static_configs: [{{ targets: ["{vigil_addr}"] }}]
""")
        prom = subprocess.Popen(["prometheus", f"--config.file={prom_cfg}", f"--storage.tsdb.path={tmp}/tsdb",
                                 f"--web.listen-address=127.0.0.1:{prom_port}"],
                                stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        procs.append(prom)
        base = f"http://127.0.0.1:{prom_port}"

        # Wait until every query answers with data (rates need two samples in their window).
        pending = list(queries)
        end = time.time() + DEADLINE_S
        while time.time() < end:
            time.sleep(0.5)  # poll: each round is a few instant queries
            try:
                pending = [(w, q) for w, q in pending if not prom_query(base, q)]
            except OSError:
                continue  # Prometheus still starting
            if not pending and Receiver.posts:
                break
        for where, q in pending:
            print(f"FAIL: {where}: no data for {q}")
        assert Receiver.posts, "the webhook receiver got no alert"
        print(f"{len(queries) - len(pending)}/{len(queries)} dashboard queries returned data")

        metrics = get(f"http://{vigil_addr}/metrics")
        exposed = set(re.findall(r"^(vigil_\w+)", metrics, re.M))
        used = set()
        for _, q in queries:
            used |= set(re.findall(r"\b(vigil_\w+)", q))
        bad_names = []
        for name in sorted(used):
            base_name = re.sub(r"_(bucket|sum|count)$", "", name)
            if name not in exposed:
                bad_names.append(f"{name} is not in /metrics")
            if base_name not in SPEC_METRICS and name not in SPEC_METRICS:
                bad_names.append(f"{name} is not a SPEC section 7 metric")
        for b in bad_names:
            print("FAIL:", b)
        print("metrics used:", ", ".join(sorted(used)))
        assert "sk_test_dashboard_canary" not in metrics, "the credential reached /metrics"

        rules = json.loads(get(base + "/api/v1/rules"))["data"]["groups"]
        rule_errors = [f"{r['name']}: {r.get('lastError')}" for g in rules for r in g["rules"]
                       if r.get("health") != "ok"]
        for e in rule_errors:
            print("FAIL: rule", e)
        assert sum(len(g["rules"]) for g in rules) >= 10, "the rules did not load"
        alerts = json.loads(get(base + "/api/v1/alerts"))["data"]["alerts"]
        down = sorted(a["labels"].get("provider", "") for a in alerts if a["labels"]["alertname"] == "VigilProviderDown")
        print("VigilProviderDown for:", down)
        ok = not pending and not bad_names and not rule_errors and down == ["broken"]
        if not ok and down != ["broken"]:
            print("FAIL: VigilProviderDown should be pending or firing for [broken] only")
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
