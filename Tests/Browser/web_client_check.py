#!/usr/bin/env python3
"""Drives SwiftChat's web client in real Chromium browsers (Selenium + chromedriver) against a
running dev-mode server, as two demo users, with a third one acting over the REST API.

Alice's browser talks to the server directly; Rahul's goes through a TCP proxy that the script
can cut, so that his socket drops like a network would. Every step leaves a screenshot in
--artifacts. Exits non-zero with the failing step's name on the first failure.

    python3 Tests/Browser/web_client_check.py --base http://127.0.0.1:8000 --artifacts out/
"""

import argparse
import base64
import contextlib
import json
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ALICE = "+917809772989"
RAHUL = "+917909772989"
MARIA = "+918744964282"
WAIT_SECONDS = 30
HOSTILE_TEXT = 'Hi <b>Rahul</b> <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
HOSTILE_TITLE = 'Trip <img src=x onerror="window.__pwned=3"> to the hills'
# No quotes: a browser's form data writes " in a file name as %22 (the HTML standard's encoding).
HOSTILE_FILE_NAME = "<img src=x onerror=window.__pwned=4>.txt"


class Failure(Exception):
    pass


def png_bytes(width, height):
    """A PNG made here: a diagonal gradient with a disc, so a screenshot shows it was drawn whole."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # no filter
        for x in range(width):
            inside = (x - width * 0.62) ** 2 + (y - height * 0.45) ** 2 < (height * 0.28) ** 2
            rows += bytes((250, 210, 60) if inside else (40 + x * 180 // width, 90 + y * 120 // height, 200 - x * 120 // width))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def pdf_bytes(text):
    """A one-page PDF with a line of text, its cross-reference table counted here."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


def wav_bytes(seconds, frequency=440, rate=8000):
    """A mono 8-bit WAV of a sine tone, made here, so the audio player has something to play."""
    import math
    samples = bytes(int(128 + 100 * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(seconds * rate)))
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
    return header + b"data" + struct.pack("<I", len(samples)) + samples


# Records one second of an animated canvas as WebM in the page itself: Chromium's own encoder
# makes a video its player surely plays, with nothing installed.
RECORD_WEBM = """
const done = arguments[arguments.length - 1];
const canvas = Object.assign(document.createElement('canvas'), { width: 160, height: 120 });
const context = canvas.getContext('2d');
const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm;codecs=vp8' });
const chunks = [];
recorder.ondataavailable = (event) => chunks.push(event.data);
recorder.onstop = async () => {
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  done(btoa(text));
};
let frame = 0;
const timer = setInterval(() => {
  context.fillStyle = `hsl(${frame * 12}, 70%, 50%)`;
  context.fillRect(0, 0, 160, 120);
  context.fillStyle = '#fff';
  context.fillRect(frame * 5 % 160, 50, 20, 20);
  frame += 1;
}, 40);
recorder.start();
setTimeout(() => { recorder.stop(); clearInterval(timer); }, 1200);
"""


class Proxy:
    """A TCP relay to the server that can be cut (listener and connections closed) and restored."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.connections = []
        self.lock = threading.Lock()
        self.listener = None
        self.port = 0
        self.restore()

    def restore(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        # shutdown first: a bare close would leave the accept blocked in another thread listening.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self.connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Api:
    """The third user, over REST."""

    def __init__(self, base):
        self.base = base
        self.token = None

    def call(self, method, path, body=None):
        request = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode())
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"JWT {self.token}")
        with urllib.request.urlopen(request, timeout=20) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def log_in(self, phone):
        code = self.call("POST", "/api/otp/gen/phone_number/", {"phone_number": phone, "otp_for": "A"})["raw_otp"]
        self.token = self.call("POST", "/api/otp/auth/", {"phone_number": phone, "otp": code})["access_token"]
        self.me = self.call("GET", "/api/core/user/me/")
        return self


class Session:
    """One browser: a Chromium window and the steps a person takes in it."""

    def __init__(self, name, base, artifacts, size):
        self.name, self.base, self.artifacts = name, base, artifacts
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}"]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        binary = next((path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(path)), None)
        if binary:
            options.binary_location = binary
        service = webdriver.ChromeService(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(WAIT_SECONDS)
        self.console = []

    def shot(self, step):
        self.driver.save_screenshot(os.path.join(self.artifacts, f"{step}-{self.name}.png"))

    def wait(self, what, condition, timeout=WAIT_SECONDS):
        # The client re-renders lists as events arrive: an element found a moment ago may be gone.
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2,
                                 ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(lambda _: condition())
        except TimeoutException:
            self.shot("failed")
            raise Failure(f"{self.name}: timed out waiting for {what}")

    def click(self, what, finder):
        """Finds and clicks, again if a re-render replaced the element in between."""
        def attempt():
            element = finder()
            if not element:
                return False
            element.click()
            return True
        self.wait(what, attempt)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css):
        elements = self.all(css)
        return elements[0] if elements and elements[0].is_displayed() else None

    def texts(self, css):
        return [element.text for element in self.all(css)]

    def log_in(self, phone, step):
        self.driver.get(self.base + "/")
        field = self.wait("the phone field", lambda: self.visible("#login-phone"))
        field.send_keys(phone)
        self.find("#login-send").click()
        code = self.wait("the dev-mode code", lambda: self.visible("#dev-code"))
        if "the server sent the code" not in code.text:
            raise Failure(f"{self.name}: the dev code note reads {code.text!r}")
        self.shot(step)
        self.find("#login-verify").click()
        self.wait("the conversations pane", lambda: self.visible("#sidebar"))
        self.wait("the live socket", lambda: self.find("#connection").get_attribute("data-state") == "live")

    def open_people(self):
        self.find("#people-button").click()
        self.wait("the people dialog", lambda: self.visible("#people-dialog"))

    def person_button(self, user_id, label):
        for button in self.all(f'#people-list li[data-user="{user_id}"] button'):
            if button.text == label:
                return button
        return None

    def close_dialog(self, dialog):
        self.find(f"#{dialog} [data-close]").click()

    def conversation_button(self, title):
        for button in self.all("#conversation-list button.conversation"):
            if button.find_element(By.CSS_SELECTOR, ".title").text == title:
                return button
        return None

    def badges(self, title):
        """The unread badges of a conversation's button; none while the list (re)loads."""
        button = self.conversation_button(title)
        return button.find_elements(By.CSS_SELECTOR, ".badge") if button else None

    def open_conversation(self, title):
        self.click(f"the conversation {title!r}", lambda: self.conversation_button(title))
        self.wait(f"{title!r} open", lambda: self.find("#chat-title").text == title)

    def message_texts(self):
        return self.texts("#message-list li.message:not(.pending) .text")

    def send(self, text):
        box = self.find("#composer-text")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def send_while_offline(self, proxy, text):
        """Cuts this browser's network, then posts: the post must stay on screen as failed."""
        proxy.cut()
        self.wait("the offline state", lambda: self.find("#connection").get_attribute("data-state") != "live")
        self.send(text)
        self.wait(f"{text!r} kept as a failed post with a retry", lambda: self.visible("#message-list li.failed"))

    def attach(self, *paths):
        """Picks files with the composer's file input, as the system's file chooser would."""
        self.find("#composer-file").send_keys("\n".join(paths))

    def uploads(self, state):
        return self.all(f'#composer-uploads li.upload[data-state="{state}"]')

    def watch_progress(self):
        """Notes whether a progress bar ever shows in the composer (an upload on loopback may
        finish before any poll sees it)."""
        self.driver.execute_script("""
            window.__sawProgress = false;
            new MutationObserver(() => {
              if (document.querySelector('#composer-uploads progress:not([hidden])')) window.__sawProgress = true;
            }).observe(document.getElementById('composer-uploads'), { childList: true, subtree: true, attributes: true });""")

    def images_loaded(self, css):
        """The images under css, and whether every one of them was decoded with a size."""
        return self.driver.execute_script(
            "const images = [...document.querySelectorAll(arguments[0])];"
            "return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);", css)

    def console_problems(self):
        """CSP violations, uncaught errors and the client's own warnings; not the refused
        connections a cut network causes, which the page is meant to ride out."""
        self.console += self.driver.get_log("browser")
        expected = ("net::ERR_CONNECTION", "WebSocket connection to", "Failed to load resource")
        return [entry["message"] for entry in self.console
                if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"] or "swiftchat:" in entry["message"]
                or (entry["level"] == "SEVERE" and not any(text in entry["message"] for text in expected))]

    def quit(self):
        self.driver.quit()


def page_conversations(session):
    """The conversations the session's page holds, read from its own state."""
    return session.driver.execute_script(
        "return import('/assets/state.js').then(m => [...m.state.conversations.values()])")


def check(condition, message):
    if not condition:
        raise Failure(message)


@contextlib.contextmanager
def two_browsers(base, artifacts, login_step):
    """Alice's browser on the server, Rahul's behind the proxy, both signed in."""
    proxy = Proxy(int(base.rsplit(":", 1)[1].split("/")[0]))
    alice = Session("alice", base, artifacts, (1280, 860))
    rahul = Session("rahul", f"http://127.0.0.1:{proxy.port}", artifacts, (1100, 800))
    try:
        alice.log_in(ALICE, login_step)
        rahul.log_in(RAHUL, login_step)
        yield alice, rahul, proxy
    finally:
        alice.quit()
        rahul.quit()
        proxy.cut()


def run(base, artifacts):
    maria = Api(base).log_in(MARIA)
    with two_browsers(base, artifacts, "01-login") as (alice, rahul, proxy):
        alice.shot("02-signed-in")

        # Alice finds Rahul among the people and sends an interest; Rahul accepts it live.
        alice.open_people()
        rahul_row = alice.wait("Rahul in the people list", lambda: next(
            (row for row in alice.all("#people-list li.person") if row.find_element(By.CSS_SELECTOR, ".title").text == "Rahul Sharma"), None))
        rahul_id = rahul_row.get_attribute("data-user")
        alice.find("#people-filter").send_keys("rahul")
        alice.wait("the filtered list", lambda: len(alice.all("#people-list li.person")) == 1)
        alice.click("the Send interest button", lambda: alice.person_button(rahul_id, "Send interest"))
        alice.wait("the pending state", lambda: alice.person_button(rahul_id, "Withdraw"))
        alice.shot("03-interest-sent")
        alice.close_dialog("people-dialog")

        rahul.open_people()
        alice_id = next(row.get_attribute("data-user") for row in rahul.all("#people-list li.person")
                        if row.find_element(By.CSS_SELECTOR, ".title").text == "Alice Smith")
        rahul.wait("Alice's interest", lambda: rahul.person_button(alice_id, "Accept"))
        rahul.shot("04-interest-received")
        rahul.click("Accept", lambda: rahul.person_button(alice_id, "Accept"))
        rahul.wait("the accepted state", lambda: rahul.person_button(alice_id, "Chat"))
        rahul.close_dialog("people-dialog")

        # The direct conversation appears on both sides; markup in a message stays text.
        alice.open_conversation("Rahul Sharma")
        alice.wait("an empty history", lambda: "No messages yet" in alice.find("#message-list").text)
        alice.wait("Rahul shown online", lambda: alice.find("#chat-presence").text == "online")
        check(alice.conversation_button("Rahul Sharma").find_elements(By.CSS_SELECTOR, ".avatar .dot"), "no online dot for Rahul")
        alice.send(HOSTILE_TEXT)
        alice.wait("Alice's message sent", lambda: alice.message_texts() == [HOSTILE_TEXT])
        rahul.wait("an unread badge", lambda: rahul.visible("#conversation-list .badge"))
        rahul.shot("05-unread")
        rahul.open_conversation("Alice Smith")
        rahul.wait("the hostile text shown as text", lambda: rahul.message_texts() == [HOSTILE_TEXT])
        check(rahul.driver.execute_script("return window.__pwned === undefined"), "markup in a message ran script")
        check(not rahul.all("#message-list b, #message-list img, #message-list script"), "markup in a message became elements")
        # Rahul has read it: Alice's message gets its read ticks, live, from the receipt.
        alice.wait("the read ticks on Alice's message, live", lambda: alice.all("#message-list li.mine .ticks.read"))
        check(alice.find("#message-list li.mine .ticks").get_attribute("title") == "Read", "the ticks do not say read")
        box = rahul.find("#composer-text")
        box.send_keys("Hello Alice,")
        alice.wait("Rahul typing, live", lambda: alice.find("#typing-indicator").text == "Rahul Sharma is typing…")
        alice.shot("05b-typing")
        box.send_keys(Keys.SHIFT, Keys.ENTER)
        box.send_keys("two lines.")
        box.send_keys(Keys.ENTER)
        alice.wait("Rahul's two-line reply, live", lambda: alice.message_texts()[-1:] == ["Hello Alice,\ntwo lines."])
        alice.wait("the typing line gone with the message", lambda: alice.find("#typing-indicator").text == "")
        alice.shot("06-conversation")
        rahul.shot("06-conversation")

        # Rahul edits his reply and deletes a message from the message menu; Alice sees both live.
        def menu_of(session, text):
            row = next(item for item in session.all("#message-list li.message.mine") if item.find_element(By.CSS_SELECTOR, ".text").text == text)
            row.find_element(By.CSS_SELECTOR, ".message-menu summary").click()
            return row
        menu_of(rahul, "Hello Alice,\ntwo lines.").find_element(By.XPATH, ".//button[text()='Edit']").click()
        editor = rahul.wait("the inline editor", lambda: rahul.find("#message-list .edit-form textarea"))
        editor.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
        editor.send_keys("Hello Alice, edited.")
        rahul.shot("06b-editing")
        editor.send_keys(Keys.ENTER)
        alice.wait("the edit, live", lambda: alice.message_texts()[-1:] == ["Hello Alice, edited."])
        check(alice.all("#message-list li.message .edited"), "the edited message is not marked edited")
        rahul.send("to be deleted")
        alice.wait("the message to delete", lambda: alice.message_texts()[-1:] == ["to be deleted"])
        row = menu_of(rahul, "to be deleted")
        row.find_element(By.XPATH, ".//button[text()='Delete']").click()
        rahul.click("the delete confirmation", lambda: next(iter(rahul.find("#message-list").find_elements(By.XPATH, ".//button[text()='Really delete']")), None))
        alice.wait("the tombstone, live", lambda: alice.message_texts()[-1:] == ["This message was deleted."])
        rahul.wait("the tombstone on Rahul's side", lambda: rahul.message_texts()[-1:] == ["This message was deleted."])
        alice.shot("06c-edited-and-deleted")

        # A group with a third user, who takes part over the API.
        maria.call("POST", "/api/my_app/interests/", {"sent_to": int(alice_id)})
        alice.open_people()
        alice.find("#people-filter").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
        alice.click("Maria's interest", lambda: alice.person_button(str(maria.me["id"]), "Accept"))
        alice.wait("Maria as a contact", lambda: alice.person_button(str(maria.me["id"]), "Chat"))
        alice.close_dialog("people-dialog")
        alice.find("#new-group-button").click()
        alice.wait("the group dialog", lambda: alice.visible("#group-dialog"))
        alice.find("#group-name").send_keys("Weekend plans")
        for user_id in (rahul_id, str(maria.me["id"])):
            alice.click(f"candidate {user_id}", lambda: (alice.all(f'#group-candidates input[value="{user_id}"]') or [None])[0])
        alice.shot("07-new-group")
        alice.find("#group-create").click()
        alice.wait("the group open", lambda: alice.find("#chat-title").text == "Weekend plans")
        group_id = next(item["id"] for item in maria.call("GET", "/api/v2/conversations/")["results"] if item["title"] == "Weekend plans")
        rahul.wait("the group in Rahul's list, live", lambda: rahul.conversation_button("Weekend plans"))
        for index in range(60):
            maria.call("POST", f"/api/v2/conversations/{group_id}/messages/", {"text": f"Maria {index}", "client_id": f"maria-{index}"})
        alice.wait("Maria's 60 messages, live", lambda: alice.message_texts()[-1:] == ["Maria 59"])
        alice.driver.execute_script("arguments[0].scrollTop = 0", alice.find("#message-scroller"))
        alice.send("Let's go!")
        alice.wait("Alice's group message", lambda: "Let's go!" in alice.message_texts())
        alice.shot("08-group")

        # Scroll-back: a fresh look at the group shows the latest page, then older ones.
        rahul.open_conversation("Weekend plans")
        rahul.wait("the latest page", lambda: len(rahul.message_texts()) == 50)
        check(rahul.visible("#load-older"), "no way to load older messages")
        # Scrolling to the top loads the page before.
        rahul.driver.execute_script("arguments[0].scrollTop = 0", rahul.find("#message-scroller"))
        rahul.wait("every group message after scrolling back", lambda: len(rahul.message_texts()) == 61)
        check(not rahul.visible("#load-older"), "older messages offered where there are none")
        check(rahul.message_texts()[0] == "Maria 0", "history out of order")
        check(rahul.all("#message-list .author"), "group messages do not name their author")
        rahul.shot("09-scrolled-back")

        # Rahul's network drops; what is sent meanwhile arrives once he is back.
        rahul.open_conversation("Alice Smith")
        rahul.send_while_offline(proxy, "written while offline")
        rahul.shot("10-offline")
        alice.open_conversation("Rahul Sharma")
        for index in range(3):
            alice.send(f"while you were away {index}")
        alice.wait("Alice's three messages", lambda: alice.message_texts()[-1:] == ["while you were away 2"])
        maria.call("POST", f"/api/v2/conversations/{group_id}/messages/", {"text": "group news while away"})
        proxy.restore()
        rahul.wait("the socket back", lambda: rahul.find("#connection").get_attribute("data-state") == "live", timeout=60)
        rahul.wait("the messages sent meanwhile", lambda: rahul.message_texts()[-3:] == [f"while you were away {index}" for index in range(3)])
        check(rahul.find("#message-list li.failed button").text == "Retry", "the failed post offers no retry")
        rahul.click("Retry", lambda: rahul.find("#message-list li.failed button"))
        rahul.wait("the retried post sent", lambda: rahul.message_texts()[-1:] == ["written while offline"] and not rahul.all("#message-list li.pending"))
        alice.wait("the retried post, once", lambda: alice.message_texts().count("written while offline") == 1)
        check(rahul.wait("the group's unread badge", lambda: rahul.badges("Weekend plans")),
              "no unread badge for the group")
        rahul.shot("11-caught-up")
        alice.shot("11-caught-up")

        # A post that failed survives a reload of the page, and is sent once when it is back.
        rahul.send_while_offline(proxy, "kept across a reload")
        proxy.restore()
        rahul.driver.refresh()
        rahul.wait("the socket back after the reload", lambda: rahul.find("#connection").get_attribute("data-state") == "live")
        # Unread counts are the server's: the group's message still waits after the reload.
        badge = rahul.wait("the group's unread badge after the reload", lambda: rahul.badges("Weekend plans"))
        check(badge[0].text == "1", f"the group's unread count after the reload is {badge[0].text}, not 1")
        alice.wait("the post kept across the reload, once", lambda: alice.message_texts().count("kept across a reload") == 1)
        rahul.open_conversation("Alice Smith")
        rahul.wait("the post shown as sent", lambda: rahul.message_texts().count("kept across a reload") == 1
                   and not rahul.all("#message-list li.pending"))

        attachment_tour(alice, rahul, proxy)
        finding_tour(alice, rahul, maria, rahul_id)

        # Managing the group: rename it and remove a member; the others see it live; Rahul leaves.
        maria_id = str(maria.me["id"])
        alice.open_conversation("Weekend plans")
        alice.find("#chat-details-button").click()
        alice.wait("the details dialog", lambda: alice.visible("#details-dialog"))
        alice.wait("three members", lambda: len(alice.all("#member-list li.member")) == 3)
        rename = alice.find("#rename-input")
        rename.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
        rename.send_keys(HOSTILE_TITLE)
        alice.find("#rename-form button[type=submit]").click()
        alice.wait("the new title", lambda: alice.find("#chat-title").text == HOSTILE_TITLE)
        rahul.wait("the new title, live", lambda: rahul.conversation_button(HOSTILE_TITLE))
        for session in (alice, rahul):
            check(session.driver.execute_script("return window.__pwned === undefined"), f"{session.name}: markup in a group title ran script")
            check(not session.all("#conversation-list img, #chat-title img"), f"{session.name}: markup in a group title became elements")
        alice.click("Remove Maria", lambda: next(iter(alice.all(f'#member-list li[data-user="{maria_id}"] button')), None))
        alice.wait("Maria removed", lambda: len(alice.all("#member-list li.member")) == 2)
        check(all(item["title"] != HOSTILE_TITLE for item in maria.call("GET", "/api/v2/conversations/")["results"]),
              "a removed member still sees the group")
        alice.shot("12-group-details")
        alice.close_dialog("details-dialog")
        rahul.open_conversation(HOSTILE_TITLE)
        rahul.find("#chat-details-button").click()
        rahul.wait("the details dialog", lambda: rahul.visible("#details-dialog"))
        check(not rahul.visible("#rename-form") and not rahul.visible("#add-member-form"), "a plain member is offered the owner's actions")
        rahul.find("#leave-button").click()
        rahul.driver.switch_to.alert.accept()
        rahul.wait("the group gone from Rahul's list", lambda: not rahul.conversation_button(HOSTILE_TITLE))
        alice.wait("Rahul gone from Alice's group, live", lambda: len(next(
            item for item in page_conversations(alice) if item["title"] == HOSTILE_TITLE)["members"]) == 1)
        rahul.shot("13-left-group")

        # A phone-sized screen: one pane at a time.
        rahul.driver.set_window_size(390, 844)
        rahul.wait("the list alone", lambda: rahul.visible("#sidebar") and not rahul.visible("#chat-pane"))
        rahul.shot("14-phone-list")
        rahul.open_conversation("Alice Smith")
        rahul.wait("the chat alone", lambda: rahul.visible("#chat-pane") and not rahul.visible("#sidebar"))
        check(rahul.visible("#chat-back"), "no way back on a phone")
        rahul.shot("15-phone-chat")

        # Profile, then sign-out.
        rahul.find("#chat-back").click()
        rahul.find("#profile-button").click()
        rahul.wait("the profile dialog", lambda: rahul.visible("#profile-dialog"))
        rahul.find("#profile-last").clear()
        rahul.find("#profile-last").send_keys("Sharma-Kapoor")
        rahul.find("#profile-save").click()
        rahul.wait("the saved profile", lambda: not rahul.visible("#profile-dialog"))
        alice.driver.refresh()
        alice.wait("Rahul's new name after a reload", lambda: alice.conversation_button("Rahul Sharma-Kapoor"))
        rahul.find("#profile-button").click()
        rahul.find("#logout-button").click()
        rahul.wait("the sign-in page", lambda: rahul.visible("#login-phone"))
        check(rahul.driver.execute_script("return localStorage.getItem('swiftchat.session')") is None, "tokens kept after sign-out")
        rahul.shot("16-signed-out")

        # Someone else signs in in the same tab: nothing of Rahul's is left on screen.
        rahul.log_in(MARIA, "17-login-maria")
        expected = len(maria.call("GET", "/api/v2/conversations/")["results"])
        rahul.wait("Maria's conversations only", lambda: len(rahul.all("#conversation-list button.conversation")) == expected)
        check(rahul.find("#composer-text").get_attribute("value") == "", "the last user's draft is still in the box")
        check(rahul.find("#conversation-filter").get_attribute("value") == "", "the last user's filter is still set")

        for session in (alice, rahul):
            problems = session.console_problems()
            check(not problems, f"{session.name}: the browser console reports {problems}")


def finding_tour(alice, rahul, maria, rahul_id):
    """Finding people (search, the contacts filter, nearby by the browser's position, being
    unfindable by phone) and messages (search, then the jump to the match in its history)."""
    maria_id = str(maria.me["id"])
    people = lambda session: [row.get_attribute("data-user") for row in session.all("#people-list li.person")]

    alice.open_people()
    box = alice.find("#people-filter")
    box.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    box.send_keys("mar")
    alice.wait("Maria found by the start of her name, by the server", lambda: people(alice) == [maria_id])
    box.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    Select(alice.find("#people-show")).select_by_value("true")
    alice.wait("contacts only", lambda: {rahul_id, maria_id} <= set(people(alice))
               and all(alice.person_button(user, "Chat") for user in people(alice)))
    alice.shot("11p-people-contacts")
    Select(alice.find("#people-show")).select_by_value("false")
    alice.wait("strangers only", lambda: people(alice) and not {rahul_id, maria_id} & set(people(alice)))
    Select(alice.find("#people-show")).select_by_value("")
    alice.close_dialog("people-dialog")

    # Nearby: each browser is somewhere in Paris (the DevTools protocol stands in for a GPS);
    # the position is asked for only on the click.
    for session, (lat, lon) in ((rahul, (48.8584, 2.2945)), (alice, (48.8738, 2.2950))):
        session.driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": session.base, "permissions": ["geolocation"]})
        session.driver.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": lat, "longitude": lon, "accuracy": 25})
    rahul.open_people()
    rahul.find("#nearby-button").click()
    rahul.wait("Rahul's area shared", lambda: "Others see your area" in rahul.find("#nearby-status").text)
    rahul.wait("nobody else near yet", lambda: rahul.visible("#people-empty") and "Nobody near you" in rahul.find("#people-empty").text)
    rahul.close_dialog("people-dialog")
    alice.open_people()
    alice.find("#nearby-button").click()
    row = alice.wait("Rahul nearby", lambda: next(iter(alice.all(f'#people-list li[data-user="{rahul_id}"]')), None))
    distance = row.find_element(By.CSS_SELECTOR, ".preview.distance").text
    check(distance in ("about 1 km away", "about 2 km away", "about 3 km away"), f"Rahul, 1.7 km away, shows as {distance!r}")
    check(people(alice) == [rahul_id], f"the nearby list holds {people(alice)}")
    alice.shot("11q-nearby")
    alice.find("#nearby-stop").click()
    alice.wait("the nearby view left", lambda: not alice.visible("#nearby-bar"))
    alice.close_dialog("people-dialog")
    # Reopened, the dialog asks again who is near.
    rahul.open_people()
    rahul.wait("Alice gone from nearby once she stopped", lambda: "Others see your area" in rahul.find("#nearby-status").text
               and rahul.visible("#people-empty") and "Nobody near you" in rahul.find("#people-empty").text)
    rahul.find("#nearby-stop").click()
    rahul.close_dialog("people-dialog")

    # Rahul stops strangers finding him by his number; Maria is no contact of his.
    digits = RAHUL[3:]
    check([user["id"] for user in maria.call("GET", f"/api/core/user/?search={digits}")] == [int(rahul_id)], "Maria cannot find Rahul by phone")
    rahul.find("#profile-button").click()
    rahul.wait("the profile dialog", lambda: rahul.visible("#profile-dialog"))
    switch = rahul.wait("the phone search switch, loaded on", lambda: rahul.find("#profile-findable-by-phone") if rahul.find("#profile-findable-by-phone").is_selected() else None)
    switch.click()
    rahul.shot("11r-unfindable-by-phone")
    rahul.find("#profile-save").click()
    rahul.wait("the saved profile", lambda: not rahul.visible("#profile-dialog"))
    check(maria.call("GET", f"/api/core/user/?search={digits}") == [], "a stranger still finds Rahul by phone")
    check([user["id"] for user in maria.call("GET", "/api/core/user/?search=rahul")] == [int(rahul_id)], "Rahul is no longer found by name")

    # Message search, from a freshly loaded page: the match is older than the page loaded first,
    # so the jump loads history back to it.
    alice.driver.refresh()
    alice.wait("the live socket after the reload", lambda: alice.find("#connection").get_attribute("data-state") == "live")
    alice.find("#message-search").send_keys("maria 3", Keys.ENTER)
    hit = alice.wait("the match", lambda: next((item for item in alice.all("#search-results li.search-hit")
                                                 if item.find_element(By.CSS_SELECTOR, ".snippet").text == "Maria 3"), None))
    marks = [mark.text for mark in hit.find_elements(By.CSS_SELECTOR, "mark")]
    # Adjacent matches may come as one marked run.
    check(" ".join(marks).split() == ["Maria", "3"], f"the matched words are not marked: {marks}, {hit.get_attribute('innerHTML')}")
    alice.shot("11s-message-search")
    hit.find_element(By.CSS_SELECTOR, "button").click()
    found = alice.wait("the group open at the match", lambda: alice.visible("#message-list li.message.found"))
    check(found.find_element(By.CSS_SELECTOR, ".text").text == "Maria 3", "the jump marks another message")
    check(alice.find("#chat-title").text == "Weekend plans", "the jump opened another conversation")
    check(alice.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(), s = arguments[1].getBoundingClientRect();"
        "return r.top >= s.top && r.bottom <= s.bottom;", found, alice.find("#message-scroller")), "the match is not scrolled into view")
    alice.shot("11t-jumped-to-match")
    # Markup in a matched message is shown as text in its snippet too.
    alice.find("#message-search").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    alice.find("#message-search").send_keys("onerror", Keys.ENTER)
    alice.wait("the hostile message found", lambda: any("onerror" in item.text for item in alice.all("#search-results li.search-hit")))
    check(not alice.all("#search-results img, #search-results b, #search-results script"), "markup in a snippet became elements")
    check(alice.driver.execute_script("return window.__pwned === undefined"), "markup in a snippet ran script")
    alice.close_dialog("search-dialog")
    alice.find("#message-search").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    alice.find("#message-search").send_keys('"unclosed', Keys.ENTER)
    alice.wait("the query's error shown", lambda: "q:" in alice.find("#search-status").text)
    alice.close_dialog("search-dialog")


def attachment_tour(alice, rahul, proxy):
    """Alice sends a photo and a PDF, and an upload the server refuses; Rahul sends a file with a
    hostile name while offline, kept across a reload; drop and paste add files too."""
    folder = tempfile.mkdtemp(prefix="swiftchat-attachments-")
    files = {"photo": ("hills.png", png_bytes(300, 200)), "pdf": ("itinerary.pdf", pdf_bytes("Trip itinerary")),
             "evil": ("evil.png", b"<!DOCTYPE html><html><body><script>window.__pwned=5</script></body></html>"),
             "hostile": (HOSTILE_FILE_NAME, b"Just text, whatever the name says.\n"),
             "large": ("field notes.txt", b"Notes from the hills, line after line.\n" * 40000)}
    paths = {}
    for key, (name, data) in files.items():
        paths[key] = os.path.join(folder, name)
        with open(paths[key], "wb") as file:
            file.write(data)

    # Alice picks three files at once: two upload, the server refuses the third, and says why.
    alice.open_conversation("Rahul Sharma")
    alice.watch_progress()
    alice.attach(paths["photo"], paths["pdf"], paths["evil"])
    alice.wait("two uploads done and one refused", lambda: len(alice.uploads("done")) == 2 and len(alice.uploads("failed")) == 1)
    check(alice.driver.execute_script("return window.__sawProgress"), "no progress bar showed while uploading")
    refusal = alice.uploads("failed")[0].text
    check("evil.png" in refusal and "text/html" in refusal and "not accepted" in refusal, f"the refusal reads {refusal!r}")
    check("uploaded" in alice.find("#announcer").text, f"the announcer said {alice.find('#announcer').text!r}, not how the uploads went")
    check(alice.find("#composer-send").is_enabled(), "send stays disabled after the uploads finished")
    alice.shot("2a-attachment-composer")
    alice.send("Photos from the hills, and the plan")
    alice.wait("the message with its attachments", lambda: alice.message_texts()[-1:] == ["Photos from the hills, and the plan"]
               and alice.all("#message-list li.message:not(.pending):last-child .attachments"))
    check(not alice.uploads("done") and len(alice.uploads("failed")) == 1, "the sent files stayed in the composer, or the refused one went")
    alice.click("removing the refused upload", lambda: alice.uploads("failed")[0].find_element(By.CSS_SELECTOR, "button.upload-remove"))
    alice.wait("the composer emptied", lambda: not alice.visible("#composer-uploads"))
    last = "#message-list li.message:last-child"
    for session in (alice, rahul):
        session.wait(f"{session.name}: the photo preview loaded", lambda: session.images_loaded(f"{last} a.attachment.image img"))
        session.wait(f"{session.name}: the PDF's file card", lambda: any(
            "itinerary.pdf" in card.text for card in session.all(f"{last} a.attachment.file")))
        image = session.find(f"{last} a.attachment.image")
        check(image.get_attribute("target") == "_blank" and set((image.get_attribute("rel") or "").split()) >= {"noopener", "noreferrer"},
              f"{session.name}: the preview does not open the image in a new tab safely")
        check("/content/" in image.get_attribute("href"), f"{session.name}: the preview links to {image.get_attribute('href')!r}")
        size = image.find_element(By.CSS_SELECTOR, "img").size
        check(abs(size["width"] - 300) <= 1 and abs(size["height"] - 200) <= 1, f"{session.name}: the preview is {size}, not 300×200")
        card = session.find(f"{last} a.attachment.file")
        check(card.get_attribute("download") == "itinerary.pdf" and "application/pdf" in card.text, f"{session.name}: the card reads {card.text!r}")
        expected_size = f"{len(files['pdf'][1])} B" if len(files["pdf"][1]) < 1024 else "KB"
        check(expected_size in card.find_element(By.CSS_SELECTOR, ".file-meta").text, f"{session.name}: the card shows no size: {card.text!r}")
    # A link that no longer works (as after its hour) is asked for again, and the preview loads.
    rahul.driver.execute_script(
        "const image = document.querySelector(arguments[0]); image.src = image.src.replace(/signature=[0-9a-f]+/, 'signature=00');",
        f"{last} a.attachment.image img")
    rahul.wait("the preview renewed after a refused link", lambda: rahul.images_loaded(f"{last} a.attachment.image img")
               and "signature=00" not in rahul.find(f"{last} a.attachment.image img").get_attribute("src"))
    rahul.shot("2b-attachment-received")
    alice.shot("2b-attachment-sent")

    # Drop and paste add files as the picker does (the events made here, with real File objects).
    photo = base64.b64encode(files["photo"][1]).decode()
    alice.driver.execute_script("""
        const photo = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
        const dropped = new DataTransfer();
        dropped.items.add(new File(['notes for the trip'], 'dropped notes.txt', { type: 'text/plain' }));
        const pane = document.getElementById('chat-pane');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          pane.dispatchEvent(new DragEvent(type, { dataTransfer: dropped, bubbles: true, cancelable: true }));
        }
        const pasted = new DataTransfer();
        pasted.items.add(new File([photo], 'image.png', { type: 'image/png' }));
        document.getElementById('composer-text').dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));""", photo)
    alice.wait("the dropped and the pasted file uploaded", lambda: len(alice.uploads("done")) == 2)
    check(not alice.all("#chat-pane.dropping"), "the drop highlight stayed on")
    names = alice.texts("#composer-uploads .upload-name")
    check(names == ["dropped notes.txt", "image.png"], f"the composer holds {names}")
    for _ in range(2):
        alice.click("a remove button", lambda: alice.uploads("done")[0].find_element(By.CSS_SELECTOR, "button.upload-remove"))
    alice.wait("the composer emptied again", lambda: not alice.visible("#composer-uploads"))

    media_tour(alice, rahul, folder)

    # On a slow uplink the progress bar moves and send waits; removing the file stops its upload.
    alice.driver.set_network_conditions(offline=False, latency=5, download_throughput=10 * 1024 * 1024, upload_throughput=256 * 1024)
    try:
        alice.attach(paths["large"])
        alice.wait("the upload under way", lambda: alice.driver.execute_script(
            "const bar = document.querySelector('#composer-uploads li[data-state=uploading] progress');"
            "return bar !== null && bar.value > 0 && bar.value < 100;"))
        check(not alice.find("#composer-send").is_enabled(), "send is enabled while a file uploads")
        alice.shot("2c-attachment-uploading")
        alice.click("removing the upload under way", lambda: alice.uploads("uploading")[0].find_element(By.CSS_SELECTOR, "button.upload-remove"))
        alice.wait("the composer emptied and send enabled", lambda: not alice.visible("#composer-uploads") and alice.find("#composer-send").is_enabled())
        check(alice.driver.switch_to.active_element == alice.find("#composer-text"), "the focus did not go back to the message box")
    finally:
        alice.driver.delete_network_conditions()

    # Rahul's file with a hostile name, sent while his network is down, kept across a reload and
    # sent with its attachment once he is back: the name shows as text everywhere.
    rahul.attach(paths["hostile"])
    rahul.wait("Rahul's upload done", lambda: len(rahul.uploads("done")) == 1)
    check(rahul.texts("#composer-uploads .upload-name") == [HOSTILE_FILE_NAME], "the hostile name does not read as text in the composer")
    rahul.send_while_offline(proxy, "a file for you")
    failed = rahul.find("#message-list li.failed").text
    check(HOSTILE_FILE_NAME in failed, f"the failed post reads {failed!r}, without its file")
    rahul.shot("2d-attachment-offline")
    proxy.restore()
    rahul.driver.refresh()
    rahul.wait("the socket back after the reload", lambda: rahul.find("#connection").get_attribute("data-state") == "live")
    alice.wait("Rahul's file card, once", lambda: alice.texts("#message-list a.attachment.file .file-name").count(HOSTILE_FILE_NAME) == 1)
    rahul.open_conversation("Alice Smith")
    rahul.wait("Rahul's post shown as sent with its file", lambda: not rahul.all("#message-list li.pending")
               and any(HOSTILE_FILE_NAME in card.text for card in rahul.all(f"{last} a.attachment.file")))
    for session in (alice, rahul):
        check(session.driver.execute_script("return window.__pwned === undefined"), f"{session.name}: a file's name or content ran script")
        check(not session.all("#message-list .attachment.file img, #composer-uploads .upload-name img, #conversation-list img"),
              f"{session.name}: markup in a file name became elements")
    alice.shot("2e-attachment-hostile-name")


def media_tour(alice, rahul, folder):
    """Alice sends a video (recorded in her page) and a sound; both play in both browsers."""
    alice.driver.set_script_timeout(WAIT_SECONDS)
    clip = os.path.join(folder, "clip.webm")
    with open(clip, "wb") as file:
        file.write(base64.b64decode(alice.driver.execute_async_script(RECORD_WEBM)))
    tune = os.path.join(folder, "tune.wav")
    with open(tune, "wb") as file:
        file.write(wav_bytes(1.5))
    alice.attach(clip, tune)
    alice.wait("the clip and the tune uploaded", lambda: len(alice.uploads("done")) == 2)
    alice.send("A clip and a tune")
    last = "#message-list li.message:last-child"
    for session in (alice, rahul):
        session.wait(f"{session.name}: the message with its players", lambda: session.all(f"{last} figure.attachment.video video")
                     and session.all(f"{last} figure.attachment.audio audio"))
        # readyState 1 or more: the player fetched the file through its signed link and read its metadata.
        for kind in ("video", "audio"):
            session.wait(f"{session.name}: the {kind} player's metadata", lambda: session.driver.execute_script(
                "const player = document.querySelector(arguments[0]);"
                "return player.readyState >= 1 && player.duration > 0.5;", f"{last} figure.attachment.{kind} {kind}"))
        check(session.find(f"{last} figure.attachment.video video").get_attribute("controls") is not None, "the video has no controls")
        caption = session.find(f"{last} figure.attachment.audio figcaption").text
        check("tune.wav" in caption and "KB" in caption, f"{session.name}: the audio caption reads {caption!r}")
    # Seeking asks for a byte range; the player follows.
    rahul.wait("the video seeked", lambda: rahul.driver.execute_script(
        "const video = document.querySelector(arguments[0]); if (video.currentTime < 0.4) video.currentTime = 0.5;"
        "return video.currentTime >= 0.4 && !video.seeking;", f"{last} figure.attachment.video video"))
    rahul.shot("2f-attachment-players")


def run_resync(base, artifacts):
    """Rahul is away longer than the event log keeps (the server prunes every second, keeping one
    event per user): his resubscribe gets resync_required, and the page reloads what it shows."""
    alice_api, rahul_api = Api(base).log_in(ALICE), Api(base).log_in(RAHUL)
    interest = alice_api.call("POST", "/api/my_app/interests/", {"sent_to": rahul_api.me["id"]})
    rahul_api.call("POST", f"/api/my_app/interests/{interest['id']}/accept_interest/")
    with two_browsers(base, artifacts, "r1-login") as (alice, rahul, proxy):
        alice.open_conversation("Rahul Sharma")
        rahul.open_conversation("Alice Smith")
        alice.send("before the gap")
        rahul.wait("the first message, live", lambda: rahul.message_texts() == ["before the gap"])
        proxy.cut()
        rahul.wait("the offline state", lambda: rahul.find("#connection").get_attribute("data-state") != "live")
        for index in range(3):
            alice.send(f"beyond retention {index}")
        alice.wait("Alice's messages", lambda: alice.message_texts()[-1:] == ["beyond retention 2"])

        def pruned():
            try:
                rahul_api.call("GET", "/api/v2/events/?since=1")
                return False
            except urllib.error.HTTPError as error:
                return error.code == 410
        deadline = time.monotonic() + WAIT_SECONDS
        while not pruned():
            check(time.monotonic() < deadline, "the server never pruned Rahul's log")
            time.sleep(0.5)
        proxy.restore()
        rahul.wait("the socket back", lambda: rahul.find("#connection").get_attribute("data-state") == "live", timeout=60)
        rahul.wait("what came while away, reloaded", lambda: rahul.message_texts() == ["before the gap"] + [f"beyond retention {index}" for index in range(3)])
        alice.send("after the gap")
        rahul.wait("live again after the resync", lambda: rahul.message_texts()[-1:] == ["after the gap"])
        rahul.shot("r2-resynced")
        for session in (alice, rahul):
            problems = session.console_problems()
            check(not problems, f"{session.name}: the browser console reports {problems}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--artifacts", required=True, help="folder for the screenshots")
    parser.add_argument("--scenario", choices=["tour", "resync"], default="tour",
                        help="tour: everything a person does; resync: away longer than the event log keeps")
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    started = time.monotonic()
    try:
        (run if args.scenario == "tour" else run_resync)(args.base.rstrip("/"), args.artifacts)
    except Failure as failure:
        print(f"web client check FAILED: {failure}")
        return 1
    print(f"web client check passed in {time.monotonic() - started:.1f} s; screenshots in {args.artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
