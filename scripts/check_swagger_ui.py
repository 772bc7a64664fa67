#!/usr/bin/env python3
"""Drives Swagger UI at <base>/swagger/ in headless Chromium over the DevTools protocol, as a
person would: authorize with a JWT, open GET /api/core/user/me/, "Try it out", "Execute", and
check that the live response is 200 with the user's phone number.

Usage: check_swagger_ui.py --base http://127.0.0.1:8000 --phone +917809772989
Needs: chromium, pip install requests websockets; the server in dev mode (codes in responses).
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time

import requests
from websockets.sync.client import connect

ap = argparse.ArgumentParser()
ap.add_argument("--base", default="http://127.0.0.1:8000")
ap.add_argument("--phone", default="+917809772989")
ap.add_argument("--port", type=int, default=9333, help="DevTools port")
args = ap.parse_args()

code = requests.post(args.base + "/api/otp/gen/phone_number/", json={"phone_number": args.phone, "otp_for": "A"}).json()["raw_otp"]
token = requests.post(args.base + "/api/otp/auth/", json={"phone_number": args.phone, "otp": int(code)}).json()["access_token"]

profile = tempfile.mkdtemp()
browser = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={args.port}",
     f"--user-data-dir={profile}", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            pages = requests.get(f"http://127.0.0.1:{args.port}/json/list", timeout=1).json()
            page = next(p for p in pages if p.get("type") == "page")
            break
        except Exception:
            time.sleep(0.2)
    else:
        sys.exit("Chromium's DevTools did not come up")

    with connect(page["webSocketDebuggerUrl"], max_size=None) as devtools:
        counter = 0

        def send(method, **params):
            global counter
            counter += 1
            devtools.send(json.dumps({"id": counter, "method": method, "params": params}))
            while True:
                message = json.loads(devtools.recv(timeout=30))
                if message.get("id") == counter:
                    return message.get("result", {})

        def evaluate(expression):
            result = send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
            return result.get("result", {}).get("value")

        def wait_for(expression, what, seconds=30):
            deadline = time.time() + seconds
            while time.time() < deadline:
                value = evaluate(expression)
                if value:
                    return value
                time.sleep(0.2)
            sys.exit(f"timed out waiting for {what}")

        # Deep link: Swagger UI opens the operation, as a click on it does.
        send("Page.navigate", url=args.base + "/swagger/#/users/get_api_core_user_me")
        count = wait_for("document.querySelectorAll('.opblock').length", "the operations to be listed")
        print(f"Swagger UI lists {count} operations")
        # The Authorize dialog's effect, through Swagger UI's own API for it.
        evaluate(f"window.ui.preauthorizeApiKey('JWT', 'JWT {token}'); true")
        wait_for("document.querySelector('.btn.authorize.locked') !== null", "the Authorize button to show the lock")
        block = ("[...document.querySelectorAll('.opblock.opblock-get')].find(b => "
                 "b.querySelector('.opblock-summary-path')?.dataset.path === '/api/core/user/me/')")
        wait_for(f"{block}.querySelector('.try-out__btn') !== null", "the Try it out button")
        evaluate(f"{block}.querySelector('.try-out__btn').click(); true")
        wait_for(f"{block}.querySelector('.execute') !== null", "the Execute button")
        evaluate(f"{block}.querySelector('.execute').click(); true")
        status = wait_for(f"{block}.querySelector('.live-responses-table tr.response .response-col_status')?.textContent.trim()", "the live response")
        body = evaluate(f"{block}.querySelector('.live-responses-table .response-col_description pre, .live-responses-table .microlight')?.textContent") or ""
        print(f"Try it out: GET /api/core/user/me/ answered {status}")
        if not status.startswith("200") or args.phone not in body:
            sys.exit(f"unexpected live response: {status} {body[:200]}")
        print("Swagger UI: Authorize and Try it out work against the running server")
finally:
    browser.terminate()
