// The web client's entry point: sign-in, then the two panes (conversations | chat) kept
// live by the socket's chat_stream.

import * as api from "./api.js";
import { renderChat, closeConversation, openConversation, wireChat } from "./chat.js";
import { $, toast, wireDialogs } from "./dom.js";
import { refreshDetails, wireGroups } from "./group.js";
import { showLogin } from "./login.js";
import { renderPeople, wirePeople } from "./people.js";
import { wireProfile } from "./profile.js";
import { renderSidebar } from "./sidebar.js";
import * as store from "./state.js";
import { state } from "./state.js";
import { ChatStream } from "./stream.js";

let stream = null;
// Events and reloads apply one at a time, in the order they came.
let applying = Promise.resolve();
const enqueue = (work) => { applying = applying.then(work).catch((error) => console.warn("swiftchat:", error)); };

const STATUS_TEXT = { connecting: "Connecting…", offline: "Offline: reconnecting…", live: "" };

function render(what) {
  if (what === "people") return renderPeople();
  if (what !== "older") renderSidebar(open);
  renderChat();
  if (what === "conversations") {
    refreshDetails();
    renderPeople();
  }
  const unread = [...state.unread.values()].reduce((sum, count) => sum + count, 0);
  document.title = unread ? `(${unread}) SwiftChat` : "SwiftChat";
}

async function open(id) {
  await openConversation(id);
  render("conversations");
}

function startApp() {
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  stream = new ChatStream({
    onEvent: (event) => enqueue(() => store.applyEvent(event)),
    onReload: () => enqueue(reload),
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
  } catch (error) {
    if (error.status === 401) return;  // signing out
    toast("Could not load your conversations; retrying…");
    setTimeout(() => enqueue(reload), 3000);
  }
}

function signOut() {
  stream?.stop();
  stream = null;
  api.session.clear();
  Object.assign(state, { me: null, conversations: new Map(), messages: new Map(), pending: new Map(), unread: new Map(), people: [], openId: null });
  closeConversation();
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  showLogin(startApp);
}

function boot() {
  wireDialogs();
  wireChat({ onBack: () => { closeConversation(); render("conversations"); } });
  wirePeople({ onOpenConversation: open });
  wireGroups({ onOpenConversation: open });
  wireProfile({ onSignOut: signOut });
  $("conversation-filter").addEventListener("input", () => renderSidebar(open));
  store.onChange(render);
  window.addEventListener("swiftchat:signed-out", signOut);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.openId) {
      store.markRead(state.openId);
      render("conversations");
    }
  });
  if (api.session.load()) startApp(); else showLogin(startApp);
}

boot();
