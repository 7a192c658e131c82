#!/usr/bin/env python3
"""Drives the `vans serve` web page in headless Chromium over the DevTools protocol (standard library only):
chooses a video in the page's file input, asks a question, waits for the answer, checks that the answer video
element has loaded (readyState >= 2 and a positive duration) and saves a screenshot.

Usage: serve_web.py BASE_URL VIDEO SCREENSHOT.png [--chromium PATH]"""
import base64
import json
import os
import socket
import struct
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request


class DevTools:
    """A minimal WebSocket (RFC 6455) client for one DevTools target."""

    def __init__(self, ws_url):
        rest = ws_url[len("ws://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError(f"websocket handshake failed: {response[:200]!r}")
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise RuntimeError("DevTools connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _receive(self):
        message = b""
        while True:
            head = self._read(2)
            final, length = head[0] & 0x80, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            message += self._read(length)
            if final:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        payload = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")


def main():
    base, video, screenshot = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    chromium = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--chromium" else "chromium"
    profile = tempfile.mkdtemp(prefix="vans-chromium-")
    browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--remote-debugging-port=0", f"--user-data-dir={profile}",
                                "--window-size=1280,1000", "--autoplay-policy=no-user-gesture-required", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "TMPDIR": profile})  # its own scratch files go with the profile
    try:
        # Chromium picks a free DevTools port and writes it into the profile.
        port = None
        for _ in range(150):
            try:
                with open(os.path.join(profile, "DevToolsActivePort")) as f:
                    port = int(f.readline().strip())
                break
            except (OSError, ValueError):
                time.sleep(0.2)
        if port is None:
            raise RuntimeError("chromium did not open a DevTools port")
        targets = None
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
                if any(t.get("type") == "page" for t in targets):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Page.navigate", url=base + "/")
        for _ in range(100):
            if tools.evaluate("document.readyState") == "complete" and tools.evaluate("!!document.getElementById('ask')"):
                break
            time.sleep(0.1)
        document = tools.call("DOM.getDocument")
        node = tools.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="#file")["nodeId"]
        tools.call("DOM.setFileInputFiles", nodeId=node, files=[video])
        tools.evaluate("document.getElementById('question').value = 'What happens next?'")
        tools.evaluate("document.getElementById('ask').click()")
        state = None
        deadline = time.time() + 120
        while time.time() < deadline:
            state = tools.evaluate("""(() => {
                const v = document.querySelector('video.answer-video');
                return {status: document.getElementById('current').dataset.status || null,
                        error: document.getElementById('submitError').textContent,
                        readyState: v ? v.readyState : -1, duration: v ? v.duration : 0,
                        caption: (document.querySelector('#currentRow .caption') || {}).textContent || null};
            })()""")
            if state["error"] or state["status"] == "failed":
                break
            if state["readyState"] >= 2 and state["duration"] and state["duration"] > 0:
                break
            time.sleep(0.25)
        time.sleep(0.5)  # let the frame paint
        shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(json.dumps(state))
        ok = state and state["status"] == "succeeded" and state["readyState"] >= 2 and (state["duration"] or 0) > 0
        if not ok:
            print(f"serve web check: FAILED: {state}", file=sys.stderr)
            sys.exit(1)
        print(f"serve web check: ok (answer video readyState {state['readyState']}, duration {state['duration']:.3f} s); screenshot {screenshot}")
    finally:
        browser.terminate()
        browser.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
