// The web client's entry point: sign-in, then the two panes (conversations | chat) kept
// live by the socket's chat_stream.

import * as api from "./api.js";
import { renderChat, renderPresence, renderTyping, closeConversation, openConversation, showMessage, wireChat } from "./chat.js";
import { clearUploads } from "./attachments.js";
import { $, toast, wireDialogs } from "./dom.js";
import { attachmentSummary, displayName } from "./format.js";
import { refreshDetails, wireGroups } from "./group.js";
import { showLogin } from "./login.js";
import { peopleChanged, renderPeople, wirePeople } from "./people.js";
import { wireProfile } from "./profile.js";
import { wireSearch } from "./search.js";
import { renderSidebar } from "./sidebar.js";
import * as store from "./state.js";
import { state } from "./state.js";
import { ChatStream } from "./stream.js";

let stream = null;
// Each sign-in is a generation: work queued for an earlier one is dropped, not applied.
let generation = 0;
// Events and reloads apply one at a time, in the order they came. One that fails (a REST call
// it needed did not answer) leaves the state unsure, so everything is reloaded.
let applying = Promise.resolve();
function enqueue(work) {
  const mine = generation;
  applying = applying.then(() => (mine === generation ? work() : undefined)).catch((error) => {
    console.warn("swiftchat:", error);
    if (mine === generation && error?.status !== 401) scheduleReload();
  });
}

// One reload retry at a time, backing off while the server does not answer.
let reloadTimer = null;
let reloadDelay = 2000;
function scheduleReload() {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => {
    reloadTimer = null;
    enqueue(reload);
  }, reloadDelay);
  reloadDelay = Math.min(reloadDelay * 2, 60000);
}

const STATUS_TEXT = { connecting: "Connecting…", offline: "Offline: reconnecting…", live: "" };

function render(what, detail) {
  if (what === "incoming") return announce(detail);
  if (what === "typing") return renderTyping();
  if (what === "presence") {
    renderSidebar(open);
    renderPresence();
    refreshDetails();
    return;
  }
  if (what === "gone") toast("That conversation is no longer available to you.");
  const focus = focusedControl();
  if (what === "people") peopleChanged();
  else {
    if (what !== "older") renderSidebar(open);
    renderChat();
    if (what === "conversations") {
      refreshDetails();
      renderPeople();
    }
  }
  restoreFocus(focus);
  const unread = [...state.unread.values()].reduce((sum, count) => sum + count, 0);
  document.title = unread ? `(${unread}) SwiftChat` : "SwiftChat";
}

/** A new message in the open conversation, read out by screen readers (the list itself is not live). */
function announce(message) {
  const conversation = state.conversations.get(message.conversation);
  const author = conversation?.members?.find((member) => member.user?.id === message.sender)?.user;
  $("announcer").textContent = `${displayName(author)}: ${String(message.text ?? "").slice(0, 300) || attachmentSummary(message.attachments)}`;
}

// Lists are rebuilt on every change; the control that had focus gets it back.
function focusedControl() {
  const element = document.activeElement;
  if (!element || element === document.body || !element.closest("ul")) return null;
  return { list: element.closest("ul").id, conversation: element.dataset.conversation, label: element.getAttribute("aria-label") };
}

function restoreFocus(focus) {
  if (!focus || (document.activeElement && document.activeElement !== document.body)) return;
  const list = document.getElementById(focus.list);
  const candidates = list ? [...list.querySelectorAll("button, input")] : [];
  const match = candidates.find((element) => (focus.conversation && element.dataset.conversation === focus.conversation)
    || (!focus.conversation && focus.label && element.getAttribute("aria-label") === focus.label));
  match?.focus();
}

async function open(id) {
  await openConversation(id);
  render("conversations");
}

let signedInAs = null;

function startApp() {
  generation += 1;
  signedInAs = api.session.load()?.refresh ?? null;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  stream = new ChatStream({
    onEvent: (event) => enqueue(() => store.applyEvent(event)),
    onReload: () => enqueue(reload),
    onTyping: (frame) => store.noteTyping(frame),
    onPresence: (frame) => store.notePresence(frame),
    onStatus: (status) => {
      state.connection = status;
      $("connection").textContent = STATUS_TEXT[status] ?? "";
      $("connection").dataset.state = status;
    },
  });
  stream.start();
}

async function reload() {
  try {
    await store.reloadAll();
    reloadDelay = 2000;
  } catch (error) {
    if (error.status === 401) return;  // signing out
    toast("Could not load your conversations; retrying…");
    scheduleReload();
  }
}

function signOut() {
  generation += 1;
  clearTimeout(reloadTimer);
  reloadTimer = null;
  stream?.stop();
  stream = null;
  api.session.clear();
  closeConversation();
  clearUploads();
  store.reset();
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  for (const field of ["composer-text", "conversation-filter", "people-filter"]) $(field).value = "";
  for (const list of ["conversation-list", "people-list", "member-list", "message-list", "group-candidates"]) $(list).replaceChildren();
  $("announcer").textContent = "";
  document.title = "SwiftChat";
  showLogin(startApp);
}

function boot() {
  wireDialogs();
  wireChat({
    onBack: () => { closeConversation(); render("conversations"); },
    onTyping: (conversation) => stream?.send({ type: "typing", conversation }),
  });
  wirePeople({ onOpenConversation: open });
  wireSearch({ onShowMessage: (conversation, message) => showMessage(conversation, message, () => render("conversations")) });
  wireGroups({ onOpenConversation: open });
  wireProfile({ onSignOut: signOut });
  $("conversation-filter").addEventListener("input", () => renderSidebar(open));
  store.onChange(render);
  window.addEventListener("swiftchat:signed-out", signOut);
  // Another tab signed out or in as someone else: this one must not go on as the old user.
  window.addEventListener("storage", (event) => {
    if (event.key !== null && event.key !== api.session.key) return;
    const now = api.session.load();
    if (!now) { if (stream) signOut(); } else if (stream && now.refresh !== signedInAs) location.reload();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.openId) {
      store.markRead(state.openId);
      render("conversations");
    }
  });
  if (api.session.load()) startApp(); else showLogin(startApp);
}

boot();
