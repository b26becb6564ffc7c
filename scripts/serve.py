#!/usr/bin/env python3
"""serve.py: serves the built book on 127.0.0.1, as any static host would: text files (HTML,
CSS, JavaScript, SVG, JSON) and WebAssembly gzip-compressed when the browser accepts it, fonts
as they are (woff2 is compressed already). The book's pages are mostly KaTeX markup, which
compresses about tenfold, so this is what makes a chapter's transfer small; `make serve`, the
browser tests and the benchmarks all use it, so they measure what a reader would get.

    scripts/serve.py [--port 8000] [--dir site]
    scripts/serve.py --dir site --watch chapters engine web scripts/generator --build "make site"

The folder is served by its path, never by changing into it: the build replaces site/ whole
(build/stage is renamed over it), and a server whose working directory was the old folder would
fail every request after the first rebuild.

--watch (what `make serve` runs): polls the watched folders' files for changes twice a second,
runs the --build command in the background when one changes (one build at a time; a change
during a build starts another when it ends), and when a build succeeds and the served folder
was replaced, tells every open page to reload. Pages learn it from an EventSource on
/__mlm_reload; the few lines that listen are added to HTML responses in watch mode only, so the
plain server (the tests and the bench) sends the files exactly as they are.

Only the standard library; files are compressed once and kept in memory until they change.
"""
import argparse
import functools
import gzip
import http.server
import os
import subprocess
import sys
import threading
import time

COMPRESS = {".html", ".css", ".js", ".mjs", ".svg", ".json", ".wasm", ".txt"}
RELOAD_PATH = "/__mlm_reload"
# Added before </body> of every HTML page in watch mode: reload when the server says the book was
# rebuilt. EventSource reconnects by itself if the server restarts.
RELOAD_SCRIPT = (b'<script>/* make serve: reload after a rebuild (not in the built book) */'
                 b'new EventSource("' + RELOAD_PATH.encode() + b'").addEventListener("reload",'
                 b'function(){location.reload()});</script>')


class Reloads:
    """The build generation, and a condition that wakes the event streams when it changes."""

    def __init__(self):
        self.cond = threading.Condition()
        self.generation = 0

    def bump(self):
        with self.cond:
            self.generation += 1
            self.cond.notify_all()

    def wait(self, seen, timeout):
        with self.cond:
            self.cond.wait_for(lambda: self.generation != seen, timeout)
            return self.generation


class Handler(http.server.SimpleHTTPRequestHandler):
    cache = {}
    lock = threading.Lock()
    reloads = None  # a Reloads in watch mode

    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                          **{".mjs": "text/javascript", ".js": "text/javascript",
                             ".wasm": "application/wasm", ".svg": "image/svg+xml",
                             ".woff2": "font/woff2"})

    def send_head(self):
        if self.reloads is not None and self.path.split("?")[0] == RELOAD_PATH:
            self.stream_reloads()
            return None
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?")[0].endswith("/") or not os.path.isfile(index):
                return super().send_head()
            path = index
        ext = os.path.splitext(path)[1].lower()
        inject = self.reloads is not None and ext == ".html"
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not os.path.isfile(path) or not (inject or (ext in COMPRESS and wants)):
            return super().send_head()
        try:
            st = os.stat(path)
            key = (path, st.st_mtime_ns, st.st_size, st.st_ino, inject, wants)
            with self.lock:
                body = self.cache.get(key)
            if body is None:
                with open(path, "rb") as f:
                    body = f.read()
                if inject:
                    at = body.rfind(b"</body>")
                    body = body[:at] + RELOAD_SCRIPT + body[at:] if at >= 0 else body + RELOAD_SCRIPT
                if wants:
                    body = gzip.compress(body, compresslevel=6, mtime=0)
                with self.lock:
                    self.cache[key] = body
        except OSError:
            self.send_error(404, "File not found")
            return None
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        if wants:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def stream_reloads(self):
        """text/event-stream: a "reload" event each time a build replaces the served folder, a
        comment every 15 s so proxies and the browser keep the connection."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command == "HEAD":
            return
        seen = self.reloads.generation
        try:
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while True:
                now = self.reloads.wait(seen, 15)
                if now != seen:
                    seen = now
                    self.wfile.write(b"event: reload\ndata: %d\n\n" % now)
                else:
                    self.wfile.write(b": waiting\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, fmt, *args):
        # Quiet for successful requests; errors still go to stderr.
        if args and str(args[1] if len(args) > 1 else "").startswith(("4", "5")):
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))


def snapshot(folders):
    """(path, mtime_ns, size) of every file under the folders: any edit, new or deleted file
    changes it. Editors' temporary and backup files are left out."""
    seen = []
    for top in folders:
        for d, dirs, files in os.walk(top):
            dirs[:] = [x for x in dirs if not x.startswith(".")]
            for f in files:
                if f.startswith((".", "#")) or f.endswith(("~", ".swp", ".tmp")):
                    continue
                p = os.path.join(d, f)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                seen.append((p, st.st_mtime_ns, st.st_size))
    return sorted(seen)


def served_identity(folder):
    """Changes when the build swaps in a new folder (a new inode) or rewrites its index."""
    try:
        a = os.stat(folder)
        b = os.stat(os.path.join(folder, "index.html"))
        return (a.st_ino, a.st_mtime_ns, b.st_ino, b.st_mtime_ns)
    except OSError:
        return None


def watch(folders, build, served, reloads, interval):
    """Poll the sources; rebuild when they change; announce a reload when the site changed."""
    last = snapshot(folders)
    while True:
        time.sleep(interval)
        now = snapshot(folders)
        if now == last:
            continue
        # Let a burst of saves (an editor writing several files) settle before building.
        time.sleep(interval)
        last = snapshot(folders)
        before = served_identity(served)
        t0 = time.monotonic()
        print("serve: sources changed; running: %s" % build, flush=True)
        code = subprocess.call(build, shell=True)
        took = time.monotonic() - t0
        if code != 0:
            print("serve: the build failed (exit %d, %.1f s); still serving the previous book"
                  % (code, took), flush=True)
        elif served_identity(served) != before:
            print("serve: rebuilt in %.1f s; reloading open pages" % took, flush=True)
            reloads.bump()
        else:
            print("serve: nothing to rebuild (%.1f s)" % took, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--dir", default="site")
    ap.add_argument("--watch", nargs="+", metavar="FOLDER",
                    help="rebuild when a file under these folders changes, then reload open pages")
    ap.add_argument("--build", default="make --no-print-directory site",
                    help="the rebuild command in watch mode (run in the current directory)")
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    a = ap.parse_args()
    folder = os.path.abspath(a.dir)
    Handler.reloads = Reloads() if a.watch else None
    handler = functools.partial(Handler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), handler)
    server.daemon_threads = True
    if a.watch:
        threading.Thread(target=watch, args=(a.watch, a.build, folder, Handler.reloads, a.interval),
                         daemon=True).start()
        print("Watching %s: saving a file rebuilds the book and reloads the page"
              % ", ".join(a.watch), flush=True)
    print("Serving the book at http://127.0.0.1:%d/ (Ctrl-C stops it)" % a.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
