#!/usr/bin/env python3
"""Browser test: the SpikeForge pages in a real headless Chromium against a real server with auth on.

Starts `spikeforge serve` (bearer token required) on loopback and Chromium with the DevTools
protocol (a small WebSocket client below: standard library only), then: the page asks for the
token; models and datasets are uploaded through the upload forms; the pipeline form runs quantize →
convert → evaluate (its top-1 figures must equal the reference's in the corpus meta.json); the
model page shows the per-layer report table, the SNR chart and histograms; a download through the
page (fetch with the token) saves the stored bytes (sha256 compared); a failed job's page shows
its error with layer/rule/fix and line breaks kept. Screenshots go to the artifacts directory.

usage: scripts/browser-test.py [spikeforge binary] [artifacts directory]
"""
import base64, hashlib, json, os, shutil, signal, socket, struct, subprocess, sys, tempfile, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASE = os.path.join(ROOT, "Tests/Fixtures/corpus/digits_trained")
TOKEN = "browser-test-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, condition, timeout=120.0, interval=0.25):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = condition()
            if last:
                return last
        except AssertionError:
            raise
        except Exception as error:  # not up yet
            last = error
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class DevTools:
    """A minimal WebSocket (RFC 6455) client speaking the Chrome DevTools protocol."""

    def __init__(self, url):
        host_port, path = url[len("ws://"):].split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=120)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)
        assert b" 101 " in response.split(b"\r\n")[0], response
        self.next_id = 0

    def _exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools connection closed")
            data += chunk
        return data

    def _send_text(self, text):
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        header += bytes([0x80 | n]) if n < 126 else (bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536
                                                     else bytes([0x80 | 127]) + struct.pack(">Q", n))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _receive_text(self):
        message = b""
        while True:
            first, second = self._exactly(2)
            n = second & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exactly(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exactly(8))[0]
            payload = self._exactly(n)
            if first & 0x0F in (0x1, 0x0):
                message += payload
                if first & 0x80:
                    return message.decode()

    def call(self, method, **params):
        self.next_id += 1
        self._send_text(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._receive_text())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        print(f"browser-test: screenshot {path}")


def api(base, path, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/spikeforge")
    artifacts = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build/browser-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is not installed (scripts/setup.sh installs it)"
    work = tempfile.mkdtemp(prefix="spikeforge-browser-")
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    port, debug_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SPIKEFORGE_AUTH_TOKENS=TOKEN, SPIKEFORGE_ACCESS_LOG="false")
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", os.path.join(work, "data")],
                              env=env, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(artifacts, "server.log"), "w"))
    browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                f"--remote-debugging-port={debug_port}", f"--user-data-dir={work}/profile",
                                "--window-size=1280,900", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until("the server", lambda: urllib.request.urlopen(base + "/healthz").status == 200, 30)
        targets = wait_until("Chromium", lambda: json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{debug_port}/json/list").read()), 30)
        page = next(t for t in targets if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Page.setDownloadBehavior", behavior="allow", downloadPath=downloads)
        tools.call("Page.navigate", url=base + "/")

        # Auth is on: without a token the page asks for one.
        wait_until("the token prompt", lambda: tools.js("document.getElementById('auth').style.display") == "flex", 20)
        tools.js(f"document.getElementById('token').value = '{TOKEN}'; document.getElementById('save').click()")

        # Uploads through the forms.
        for form, field, name in [("upload-model", "model-file", "model.h5"),
                                  ("upload-dataset", "dataset-file", "calibration.npy"),
                                  ("upload-dataset", "dataset-file", "inputs.npy"),
                                  ("upload-dataset", "dataset-file", "labels.npy")]:
            root = tools.call("DOM.getDocument")["root"]["nodeId"]
            node = tools.call("DOM.querySelector", nodeId=root, selector="#" + field)["nodeId"]
            tools.call("DOM.setFileInputFiles", nodeId=node, files=[os.path.join(CASE, name)])
            tools.js(f"document.querySelector('#{form} button').click()")
            wait_until(f"upload of {name}", lambda: tools.js(
                "document.getElementById('upload-status').textContent").startswith("uploaded " + name), 60)
        tools.screenshot(os.path.join(artifacts, "home.png"))

        # The pipeline form: quantize with the calibration set, convert, evaluate with labels.
        def choose(select, prefix):
            return tools.js(f"""(() => {{ const s = document.getElementById('{select}');
                const o = [...s.options].find((o) => o.text.startsWith('{prefix}'));
                if (!o) return false; s.value = o.value; return true; }})()""")
        wait_until("the pipeline choices", lambda: choose("p-model", "model.h5")
                   and choose("p-calibration", "calibration.npy")
                   and choose("p-inputs", "inputs.npy") and choose("p-labels", "labels.npy"), 30)
        batch = json.load(open(os.path.join(CASE, "meta.json")))["quantize_args"]["batch_size"]
        tools.js(f"document.getElementById('p-batch').value = '{batch}'")
        tools.js("document.querySelector('#pipeline button').click()")
        def pipeline_finished():
            if tools.js("!!document.querySelector('#pipeline-status pre.problem')"):
                raise AssertionError(tools.js("document.getElementById('pipeline-status').innerText"))
            return tools.js("!!document.getElementById('pipeline-done')")
        wait_until("the pipeline", pipeline_finished, 240)
        status = tools.js("document.getElementById('pipeline-status').innerText")
        with open(os.path.join(CASE, "meta.json")) as f:
            accuracy = json.load(f)["accuracy"]
        for kind, key in [("akida", "akida_v2"), ("quantized", "quantized"), ("float", "float")]:
            want = f"{kind} {accuracy[key]:.4g}"
            assert want in status, f"pipeline status {status!r} lacks {want!r}"
        print(f"browser-test: pipeline: {status}")

        # The model page of the Akida model: report table, SNR chart, histograms, worst layers.
        akida_id = tools.js("document.getElementById('pipeline-akida').textContent")
        tools.js(f"location.hash = '#/models/{akida_id}'")
        wait_until("the report table",
                   lambda: tools.js("document.querySelectorAll('#report-table tbody tr').length") == 8, 60)
        assert tools.js("!!document.querySelector('svg.snr-chart')"), "no SNR chart"
        assert tools.js("document.querySelectorAll('svg.histogram').length") >= 8, "no histograms"
        worst = tools.js("document.querySelectorAll('#report-table tr.worst').length")
        assert worst == 3, f"{worst} worst layers highlighted"
        assert "flatten-shift-dropped" in tools.js("document.getElementById('report-table').innerText")
        tools.js("document.querySelector('th[data-sort=qf_snr]').click()")
        column = tools.js("[...document.querySelectorAll('#report-table tbody tr')].map((r) => r.cells[2].textContent)")
        numbers = [float("inf") if v == "exact" else float(v) for v in column if v != "–"]
        assert numbers == sorted(numbers) and len(numbers) >= 6, f"SNR column not sorted ascending: {column}"
        wait_until("the summary",
                   lambda: "Layer" in (tools.js("document.getElementById('summary').textContent") or ""), 20)
        tools.screenshot(os.path.join(artifacts, "model-page.png"))

        # A download through the page carries the token and saves the stored bytes.
        model = api(base, f"/v1/models/{akida_id}")
        tools.js("document.getElementById('download-model').click()")
        saved = wait_until("the download",
                           lambda: [n for n in os.listdir(downloads) if not n.endswith(".crdownload")], 30)
        with open(os.path.join(downloads, saved[0]), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        assert digest == model["sha256"], "downloaded bytes differ from the stored model"
        print(f"browser-test: downloaded {saved[0]} ({model['size']} bytes, sha256 matches)")

        # The evaluate job's page: a confusion matrix per representation over every sample; the
        # quantize job's page: the calibration QA.
        evaluate = api(base, "/v1/jobs?type=evaluate")["items"][0]
        tools.js(f"location.hash = '#/jobs/{evaluate['id']}'")
        totals = wait_until("the confusion matrices", lambda: tools.js(
            "[...document.querySelectorAll('table.confusion')].map((t) => [...t.querySelectorAll('td')]"
            ".reduce((s, c) => s + Number(c.textContent), 0))"), 20)
        assert totals == [360, 360, 360], f"confusion matrices sum to {totals}"
        tools.screenshot(os.path.join(artifacts, "evaluate-job-page.png"))
        quantize = api(base, "/v1/jobs?type=quantize")["items"][0]
        tools.js(f"location.hash = '#/jobs/{quantize['id']}'")
        wait_until("the calibration QA", lambda: tools.js("document.querySelectorAll('#qa-advice li').length") > 0, 20)
        assert "256 samples" in tools.js("document.getElementById('page').innerText")
        tools.screenshot(os.path.join(artifacts, "quantize-job-page.png"))

        # A failed job's page: the error with layer/rule/fix, line breaks kept.
        quantized_id = model["lineage"]["parentModelId"]
        job = api(base, "/v1/jobs", {"type": "convert", "params": {"model_id": quantized_id, "akida_version": "v1"}})
        wait_until("the failing job", lambda: api(base, f"/v1/jobs/{job['id']}")["state"] == "failed", 60)
        tools.js(f"location.hash = '#/jobs/{job['id']}'")
        error = wait_until("the job error",
                           lambda: tools.js("(document.querySelector('#job-error pre') || {}).innerText"), 20)
        assert "rule: " in error and "fix: " in error and "\n" in error, f"error shown as {error!r}"
        assert tools.js("getComputedStyle(document.querySelector('#job-error pre')).whiteSpace") == "pre-wrap"
        tools.screenshot(os.path.join(artifacts, "job-page.png"))
        print("browser-test: ok")
    finally:
        for process in (browser, server):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
