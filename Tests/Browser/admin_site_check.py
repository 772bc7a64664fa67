#!/usr/bin/env python3
"""Drives SwiftChat's admin site in a real Chromium browser (Selenium + chromedriver) against a
running dev-mode server: a refused non-staff sign-in, the seeded admin's sign-in, finding a demo
user by phone and deactivating them while their socket is open (the socket closes with 1008 and
their token is refused), deleting a message (gone for both parties), a forged form refused, a
form posted from another site refused, and sign-out. Every step leaves a screenshot in
--artifacts. Exits non-zero with the failing step's name on the first failure.

    python3 Tests/Browser/admin_site_check.py --base http://127.0.0.1:8000 --artifacts out/
"""

import argparse
import http.server
import os
import sys
import threading
import time
import urllib.error

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from web_client_check import ALICE, MARIA, RAHUL, Api, Failure, Session, check

ADMIN = "+911234567891"
ADMIN_PASSWORD = "@admin"
JOHN = "+917209779890"


def sign_in(admin, phone, password):
    admin.driver.get(admin.base + "/admin/login/")
    admin.wait("the sign-in form", lambda: admin.visible("#phone"))
    admin.find("#phone").send_keys(phone)
    admin.find("#password").send_keys(password)
    admin.find("form.signin button[type=submit]").click()


def page_text(admin):
    return admin.find("body").text


def open_socket(base, token):
    """Rahul's notification socket, in a thread of its own that records how it ends."""
    ending, opened = {}, threading.Event()

    def listen():
        try:
            with connect(base.replace("http://", "ws://") + f"/ws/?token={token}", open_timeout=20) as socket:
                opened.set()
                while True:
                    socket.recv()
        except ConnectionClosed as closed:
            ending["code"] = closed.rcvd.code if closed.rcvd else None
        except OSError as error:
            ending["error"] = str(error)
        opened.set()
    threading.Thread(target=listen, daemon=True).start()
    check(opened.wait(20) and not ending, f"Rahul's socket did not open: {ending}")
    return ending


def status_of(api, method, path):
    try:
        api.call(method, path)
        return 200
    except urllib.error.HTTPError as error:
        return error.code


class OtherSite(http.server.ThreadingHTTPServer):
    """Another origin with a page whose form posts to the admin site, as a malicious site would."""

    def __init__(self, target):
        page = (f'<!doctype html><form id="f" method="post" action="{target}"><input name="first_name" value="Hacked">'
                '<input name="is_active" value="on"><button id="go">Claim your prize</button></form>').encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *_):
                pass
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"


def run(base, artifacts):
    admin = Session("admin", base, artifacts, (1280, 900))
    try:
        tour(admin, base)
        problems = admin.console_problems()
        check(not problems, f"console problems: {problems}")
    finally:
        admin.quit()


def tour(admin, base):
    # 1. Not signed in: the dashboard sends to the sign-in form.
    admin.driver.get(base + "/admin/")
    admin.wait("the sign-in page", lambda: "/admin/login/" in admin.driver.current_url)
    admin.shot("01-sign-in-page")

    # 2. John is a demo user, not staff: refused.
    sign_in(admin, JOHN, "anything-at-all")
    admin.wait("the refusal", lambda: "active staff account" in page_text(admin))
    admin.shot("02-non-staff-refused")

    # 3. The seeded admin signs in and sees the dashboard's counts.
    sign_in(admin, ADMIN, ADMIN_PASSWORD)
    admin.wait("the dashboard", lambda: admin.driver.title.startswith("Dashboard"))
    labels = [element.text for element in admin.all(".card .label")]
    check("Online now" in labels and "Messages today" in labels, f"dashboard cards: {labels}")
    admin.shot("03-dashboard")

    # Set up over the API: Alice and Maria chat; Rahul is online with a socket.
    alice, maria, rahul = Api(base).log_in(ALICE), Api(base).log_in(MARIA), Api(base).log_in(RAHUL)
    interest = alice.call("POST", "/api/my_app/interests/", {"sent_to": maria.me["id"]})
    maria.call("POST", f"/api/my_app/interests/{interest['id']}/accept_interest/")
    alice.call("POST", f"/api/my_app/interests/{interest['id']}/chat_messages/", {"message": "Lunch on Friday?"})
    secret = alice.call("POST", f"/api/my_app/interests/{interest['id']}/chat_messages/", {"message": "my bank PIN is 4321"})
    ending = open_socket(base, rahul.token)

    # 4. Find Rahul by his phone number, as written with spaces, and deactivate him from the list.
    admin.find("nav a[href='/admin/users/']").click()
    admin.wait("the users list", lambda: admin.visible("#q"))
    admin.find("#q").send_keys("79097 72989")
    admin.find("form.filters button").click()
    admin.wait("Rahul in the list", lambda: RAHUL in page_text(admin) and ALICE not in page_text(admin))
    admin.shot("04-found-by-phone")
    admin.find(f"input[name=id][value='{rahul.me['id']}']").click()
    Select(admin.find("#bulk-action")).select_by_value("deactivate")
    admin.shot("05-deactivate-selected")
    admin.find("form[action='/admin/users/bulk/'] .actions button").click()
    admin.wait("the notice", lambda: "1 user(s) deactivated." in page_text(admin))
    admin.shot("06-deactivated")
    deadline = time.monotonic() + 20
    while "code" not in ending and time.monotonic() < deadline:
        time.sleep(0.1)
    check(ending.get("code") == 1008, f"Rahul's socket ended with {ending}")
    check(status_of(rahul, "GET", "/api/core/user/me/") == 401, "Rahul's token still works")

    # 5. Find Alice's message by its words, delete it after the confirmation page.
    admin.find("nav a[href='/admin/messages/']").click()
    admin.wait("the messages list", lambda: admin.visible("#q"))
    admin.find("#q").send_keys("PIN")
    admin.find("form.filters button").click()
    admin.wait("the message found", lambda: "my bank PIN is 4321" in page_text(admin) and "Lunch" not in page_text(admin))
    admin.shot("07-message-found")
    admin.find(f"a[href='/admin/messages/{secret['id']}/delete/']").click()
    admin.wait("the confirmation", lambda: admin.driver.title.startswith("Delete message"))
    admin.shot("08-confirm-delete")
    admin.find("button.danger").click()
    admin.wait("the notice", lambda: "1 message(s) deleted." in page_text(admin))
    admin.shot("09-message-deleted")
    for party in (alice, maria):
        texts = [row["message"] for row in party.call("GET", f"/api/my_app/interests/{interest['id']}/chat_messages/")]
        check(texts == ["Lunch on Friday?"], f"{party.me['phone_number']} still sees {texts}")

    # 6. A forged form on our own page (its CSRF token taken out) is refused; nothing changes.
    admin.driver.get(base + f"/admin/users/{maria.me['id']}/")
    admin.wait("Maria's page", lambda: admin.visible("#first_name"))
    admin.driver.execute_script(
        "const form = document.querySelector('form.panel'); form.querySelector('[name=csrf_token]').remove();"
        "form.querySelector('#first_name').value = 'Forged';")
    admin.find("form.panel button[type=submit]").click()
    admin.wait("the refusal", lambda: "CSRF verification failed" in page_text(admin))
    admin.shot("10-forged-form-refused")
    check(maria.call("GET", "/api/core/user/me/")["first_name"] != "Forged", "the forged form changed Maria")

    # 7. A form on another site, posting to us: the browser keeps our cookie to itself and the Origin is not ours.
    other = OtherSite(base + f"/admin/users/{maria.me['id']}/")
    try:
        admin.driver.get(other.url)
        admin.find("#go").click()
        admin.wait("the refusal", lambda: "CSRF verification failed" in page_text(admin) or "Sign in" in page_text(admin))
        admin.shot("11-other-site-refused")
    finally:
        other.shutdown()
    check(maria.call("GET", "/api/core/user/me/")["first_name"] != "Hacked", "the other site's form changed Maria")

    # 8. The audit log shows both changes; sign out ends the session.
    admin.driver.get(base + "/admin/audit/")
    admin.wait("the audit log", lambda: "message.delete" in page_text(admin) and "user.change" in page_text(admin))
    admin.shot("12-audit-log")

    # 9. A phone-sized screen: wide tables scroll in their box, the page never sideways; a list
    # with no match says so, with no bulk actions to offer.
    admin.driver.set_window_size(390, 844)
    for path, step in (("/admin/messages/", "13a-phone-messages"), ("/admin/users/", "13b-phone-users")):
        admin.driver.get(base + path)
        admin.wait(f"{path} at phone size", lambda: admin.all("table"))
        widths = admin.driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        check(widths[0] <= widths[1], f"{path} scrolls sideways at phone size: {widths}")
        admin.shot(step)
    admin.driver.get(base + "/admin/users/?q=nobody+is+called+this")
    admin.wait("the empty state", lambda: "No user matches." in page_text(admin))
    check(not admin.all("#bulk-action"), "bulk actions offered for an empty list")
    admin.shot("13c-phone-no-match")
    admin.driver.set_window_size(1280, 900)
    admin.find("header.bar form button").click()
    admin.wait("the sign-in page", lambda: "/admin/login/" in admin.driver.current_url)
    admin.driver.get(base + "/admin/users/")
    admin.wait("the sign-in page again", lambda: "/admin/login/" in admin.driver.current_url)
    admin.shot("14-signed-out")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--artifacts", required=True, help="folder for the screenshots")
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    started = time.monotonic()
    try:
        run(args.base.rstrip("/"), args.artifacts)
    except Failure as failure:
        print(f"admin site check FAILED: {failure}")
        return 1
    print(f"admin site check passed in {time.monotonic() - started:.1f} s; screenshots in {args.artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
