// Replays Polly.JS HAR recordings through Polly itself (the oracle of tests/test_new_formats.py).
// usage: node polly_replay.js FILE...   prints one JSON line per file:
//   {"file", "replies": [{"status", "expected", "bytes", "decoded", "error"}], "error"}
// Each file is put where @pollyjs/persister-fs looks for the recording of a Polly instance (mode
// "replay", recordIfMissing false: a request the recording does not hold is an error); each entry's
// request is then sent with Node's http(s) client as recorded (method, url, headers, postData.text),
// and the reply read and, under Content-Encoding gzip, gunzipped as a client would.
const fs = require("fs");
const os = require("os");
const path = require("path");
const zlib = require("zlib");
const { Polly } = require("@pollyjs/core");
const NodeHttpAdapter = require("@pollyjs/adapter-node-http");
const FSPersister = require("@pollyjs/persister-fs");

Polly.register(NodeHttpAdapter);
Polly.register(FSPersister);

function send(entry) {
  return new Promise((resolve) => {
    const rq = entry.request;
    const url = new URL(rq.url);
    const mod = url.protocol === "https:" ? require("https") : require("http");
    const headers = {};
    for (const h of rq.headers || []) headers[h.name] = h.value;
    const req = mod.request(url, { method: rq.method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const out = { status: res.statusCode, expected: entry.response.status, bytes: raw.length };
        if ((res.headers["content-encoding"] || "").includes("gzip")) {
          try {
            out.decoded = zlib.gunzipSync(raw).length;
          } catch (e) {
            out.error = "gunzip: " + e.message;
          }
        }
        resolve(out);
      });
    });
    req.on("error", (e) => resolve({ expected: entry.response.status, error: String(e.message || e) }));
    if (rq.postData && typeof rq.postData.text === "string") req.write(rq.postData.text);
    req.end();
  });
}

(async () => {
  for (const file of process.argv.slice(2)) {
    const line = { file, replies: [] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "polly-"));
    const polly = new Polly("oracle", {
      adapters: ["node-http"], persister: "fs", persisterOptions: { fs: { recordingsDir: dir } },
      mode: "replay", recordIfMissing: false, logLevel: "silent",
      // openllmetry-js records with matchRequestsBy.headers false (its tests/setup): the entries _id
      // hashes say so; the request is matched on method, url, body and order
      matchRequestsBy: { headers: false },
    });
    try {
      const har = JSON.parse(fs.readFileSync(file, "utf8"));
      fs.mkdirSync(path.join(dir, polly.recordingId), { recursive: true });
      fs.writeFileSync(path.join(dir, polly.recordingId, "recording.har"), JSON.stringify(har));
      for (const entry of har.log.entries) line.replies.push(await send(entry));
    } catch (e) {
      line.error = String(e && e.message ? e.message : e);
    }
    await polly.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(JSON.stringify(line) + "\n");
  }
})();
