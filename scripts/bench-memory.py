#!/usr/bin/env python3
"""Peak server memory (VmHWM) for the inputs issue 11 named: .npz bombs and infer batch sizes.

Each measurement starts a fresh `spikeforge serve` (VmHWM only grows), sends one kind of input
and prints the server's peak RSS. Standard library only. Usage:
  scripts/bench-memory.py [--binary .build/release/spikeforge] [--case ds_cnn_kws] [--model quantized.h5] [--rows 20000]
"""
import argparse, json, os, re, shutil, struct, subprocess, tempfile, time, urllib.request, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def npy_header(descr, shape):
    dims = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, dims)
    text += " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def zero_npz(path, header, zeros, declared=None):
    """One deflated member: `header` then `zeros` zero bytes, streamed (never held whole)."""
    comp, crc, out = zlib.compressobj(9, zlib.DEFLATED, -15), zlib.crc32(header), [None]
    data = bytearray(comp.compress(header))
    chunk = bytes(1 << 20)
    left = zeros
    while left:
        piece = chunk[: min(left, len(chunk))]
        crc = zlib.crc32(piece, crc)
        data += comp.compress(piece)
        left -= len(piece)
    data += comp.flush()
    size = declared if declared is not None else len(header) + zeros
    name = b"x.npy"
    common = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0)
    local = struct.pack("<I", 0x04034B50) + common + name + data
    central = struct.pack("<IH", 0x02014B50, 20) + common + struct.pack("<HHHII", 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local), 0)
    with open(path, "wb") as f:
        f.write(local + central + end)


class Server:
    def __init__(self, binary, work, env):
        self.dir = tempfile.mkdtemp(dir=work)
        self.log = open(os.path.join(self.dir, "log"), "w+")
        environment = dict(os.environ, SPIKEFORGE_ACCESS_LOG="false", **env)
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--data-dir", self.dir],
                                     stdout=self.log, stderr=self.log, env=environment)
        for _ in range(600):
            self.log.seek(0)
            m = re.search(r"listening on http://127.0.0.1:(\d+)", self.log.read())
            if m:
                self.base = "http://127.0.0.1:%s" % m.group(1)
                return
            time.sleep(0.05)
        raise SystemExit("server did not start")

    def call(self, method, path, body=None, content_type="application/octet-stream"):
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers={"Content-Type": content_type} if body is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def peak_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) // 1024

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/spikeforge"))
    parser.add_argument("--case", default="ds_cnn_kws", help="corpus case whose float model runs the infer jobs")
    parser.add_argument("--model", default="quantized.h5", help="model file of the case (model.h5: float)")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the infer dataset (zeros)")
    parser.add_argument("--batches", default="256,4096,16384,1000000")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="spikeforge-membench-")
    big = {"SPIKEFORGE_MAX_UPLOAD_BYTES": str(4 << 30), "SPIKEFORGE_MAX_NPZ_INFLATED_BYTES": str(3 << 30)}
    try:
        npz = os.path.join(work, "bomb.npz")
        small = npy_header("<f4", [2])
        cases = [("1 GiB behind a shape (2,) header", small, 1 << 30, None),
                 ("same, directory lies (136 bytes)", small, 1 << 30, len(small) + 8),
                 ("real 1 GiB float32 member", npy_header("<f4", [1 << 28]), 1 << 30, None)]
        for label, header, zeros, declared in cases:
            zero_npz(npz, header, zeros, declared)
            server = Server(args.binary, work, big)
            status, body = server.call("POST", "/v1/datasets?name=bomb.npz", open(npz, "rb").read())
            print("npz %-36s file %5.1f MB -> %d, server peak RSS %5d MiB" % (
                label, os.path.getsize(npz) / 1e6, status, server.peak_mib()))
            server.stop()

        rows = args.rows
        case = os.path.join(ROOT, "Tests/Fixtures/corpus", args.case)
        with open(os.path.join(case, "inputs.npy"), "rb") as f:
            head = f.read(4096).decode("latin-1")
        sample = [int(d) for d in re.search(r"'shape': \(([^)]*)\)", head).group(1).split(",") if d.strip()][1:]
        values = 1
        for d in sample:
            values *= d
        dataset = npy_header("<f4", [rows] + sample) + bytes(rows * values * 4)
        model = open(os.path.join(case, args.model), "rb").read()
        batches = [int(b) for b in args.batches.split(",")]
        done_limits = set()
        for batch in batches:
            server = Server(args.binary, work, big)
            _, m = server.call("POST", "/v1/models?name=mlp.h5", model)
            _, d = server.call("POST", "/v1/datasets?name=rows.npy", dataset)
            base = server.peak_mib()
            params = {"model_id": m["id"], "dataset_id": d["id"], "batch_size": batch}
            status, job = server.call("POST", "/v1/jobs", json.dumps({"type": "infer", "params": params}).encode(),
                                      "application/json")
            state = job.get("state") if status == 202 else "refused: " + job.get("detail", "")
            while status == 202 and state in ("queued", "running"):
                time.sleep(0.2)
                state = server.call("GET", "/v1/jobs/" + job["id"])[1]["state"]
            print("infer %s/%s %d rows, batch_size %7d -> %s; peak RSS %d MiB (%d MiB before the job)" % (
                args.case, args.model, rows, batch, state, server.peak_mib(), base))
            if status == 422 and str(job.get("limit", "")).isdigit() and int(job["limit"]) not in done_limits:
                batches.append(int(job["limit"]))  # the budget's own batch, measured once
                done_limits.add(int(job["limit"]))
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
