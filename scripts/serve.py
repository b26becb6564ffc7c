#!/usr/bin/env python3
"""serve.py: serves the built book on 127.0.0.1, as any static host would: text files (HTML,
CSS, JavaScript, SVG, JSON) and WebAssembly gzip-compressed when the browser accepts it, fonts
as they are (woff2 is compressed already). The book's pages are mostly KaTeX markup, which
compresses about tenfold, so this is what makes a chapter's transfer small; `make serve`, the
browser tests and the benchmarks all use it, so they measure what a reader would get.

    scripts/serve.py [--port 8000] [--dir site]

Only the standard library; files are compressed once and kept in memory until they change.
"""
import argparse
import gzip
import http.server
import os
import sys
import threading

COMPRESS = {".html", ".css", ".js", ".mjs", ".svg", ".json", ".wasm", ".txt"}


class Handler(http.server.SimpleHTTPRequestHandler):
    cache = {}
    lock = threading.Lock()

    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                          **{".mjs": "text/javascript", ".js": "text/javascript",
                             ".wasm": "application/wasm", ".svg": "image/svg+xml",
                             ".woff2": "font/woff2"})

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?")[0].endswith("/") or not os.path.isfile(index):
                return super().send_head()
            path = index
        ext = os.path.splitext(path)[1].lower()
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if ext not in COMPRESS or not wants or not os.path.isfile(path):
            return super().send_head()
        try:
            st = os.stat(path)
            key = (path, st.st_mtime_ns, st.st_size)
            with self.lock:
                body = self.cache.get(key)
            if body is None:
                with open(path, "rb") as f:
                    body = gzip.compress(f.read(), compresslevel=6, mtime=0)
                with self.lock:
                    self.cache[key] = body
        except OSError:
            self.send_error(404, "File not found")
            return None
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def log_message(self, fmt, *args):
        # Quiet for successful requests; errors still go to stderr.
        if args and str(args[1] if len(args) > 1 else "").startswith(("4", "5")):
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--dir", default="site")
    a = ap.parse_args()
    os.chdir(a.dir)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    print("Serving the book at http://127.0.0.1:%d/ (Ctrl-C stops it)" % a.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
