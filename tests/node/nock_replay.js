// Replays nock recordings through nock itself (the oracle of tests/test_new_formats.py).
// usage: node nock_replay.js FILE...   prints one JSON line per file:
//   {"file", "loaded": bool, "error", "replies": [{"status", "expected", "bytes", "decoded", "error"}]}
// nock.define() loads the file as nockBack does; each definition's request is then sent with Node's
// http(s) client (the recorded method, path and body; real network disabled) and the reply read and,
// under Content-Encoding gzip, gunzipped as a client would.
const fs = require("fs");
const zlib = require("zlib");
const nock = require("nock");

nock.disableNetConnect();

function send(def) {
  return new Promise((resolve) => {
    const url = new URL(def.path, def.scope);
    const mod = url.protocol === "https:" ? require("https") : require("http");
    let body = def.body;
    if (body !== undefined && typeof body !== "string") body = JSON.stringify(body);
    const headers = body === undefined ? {} : { "content-type": "application/json" };
    const req = mod.request(url, { method: def.method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", (e) => resolve({ status: res.statusCode, expected: def.status, error: String(e) }));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const out = { status: res.statusCode, expected: def.status || 200, bytes: raw.length };
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
    req.on("error", (e) => resolve({ expected: def.status, error: String(e) }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

(async () => {
  for (const file of process.argv.slice(2)) {
    nock.cleanAll();
    const line = { file, loaded: false, replies: [] };
    try {
      const defs = JSON.parse(fs.readFileSync(file, "utf8"));
      nock.define(defs);
      line.loaded = true;
      for (const def of defs) line.replies.push(await send(def));
    } catch (e) {
      line.error = String(e && e.message ? e.message : e);
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  }
})();
