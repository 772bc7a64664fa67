// The open conversation: its history (scroll back a page at a time), what is being sent,
// and the composer (Enter sends, Shift+Enter starts a new line).

import { attachmentsView, pendingAttachmentsView, readyAttachments, showUploadsOf, takeSent, wireComposerAttachments } from "./attachments.js";
import * as api from "./api.js";
import { $, h, toast } from "./dom.js";
import { displayName, longTime, shortTime } from "./format.js";
import * as store from "./state.js";
import { state } from "./state.js";

let loadingOlder = false;

// Typing is announced at most every TYPING_REPEAT_MS while the user types; the others' lapses
// after the time the server gives.
const TYPING_REPEAT_MS = 3000;
let lastTypingSent = { conversation: null, at: 0 };
let typingTimer = null;

export function wireChat({ onBack, onTyping }) {
  $("chat-back").onclick = onBack;
  $("load-older").onclick = () => loadOlder();
  $("message-scroller").addEventListener("scroll", () => {
    if ($("message-scroller").scrollTop < 60) loadOlder();
  });
  const text = $("composer-text");
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  text.addEventListener("input", () => {
    grow(text);
    const id = state.openId;
    const now = Date.now();
    if (!id || !text.value.trim() || (lastTypingSent.conversation === id && now - lastTypingSent.at < TYPING_REPEAT_MS)) return;
    lastTypingSent = { conversation: id, at: now };
    onTyping(id);
  });
  $("composer").onsubmit = (event) => {
    event.preventDefault();
    const id = state.openId;
    if (!id) return;
    const { attachments, busy } = readyAttachments(id);
    if (busy) return;  // the button says so; Enter must not send without the files either
    const value = text.value;
    if (!value.trim() && attachments.length === 0) return;
    text.value = "";
    state.drafts.delete(id);
    grow(text);
    stickToBottom = true;
    lastTypingSent = { conversation: null, at: 0 };
    takeSent(id);
    store.post(id, value.trim() ? value : "", attachments);
  };
  wireComposerAttachments({ currentConversation: () => state.openId, changed: renderComposer });
}

/** The files waiting in the composer, and a send button that waits for their uploads. */
function renderComposer() {
  showUploadsOf(state.openId);
  const busy = readyAttachments(state.openId).busy;
  const send = $("composer-send");
  send.disabled = busy;
  send.title = busy ? "Waiting for the uploads to finish" : "";
}

/** Keeps what was typed with its conversation, and shows the next one's. */
function switchDraft(nextId) {
  const text = $("composer-text");
  if (state.openId && text.value) state.drafts.set(state.openId, text.value);
  else if (state.openId) state.drafts.delete(state.openId);
  text.value = (nextId && state.drafts.get(nextId)) || "";
  grow(text);
}

function grow(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
  textarea.style.overflowY = textarea.scrollHeight > 200 ? "auto" : "hidden";
}

let stickToBottom = true;
// The message a search jumped to, marked until the timer clears it.
let foundId = null;
let foundTimer = null;

export async function openConversation(id) {
  switchDraft(id);
  state.openId = id;
  store.markRead(id);
  document.body.classList.add("chat-open");
  stickToBottom = true;
  renderChat();
  if (!state.messages.has(id)) {
    try {
      await store.loadLatest(id);
    } catch (error) {
      toast(`The messages could not be loaded: ${error.message}`);
    }
  }
  $("composer-text").focus();
}

/** Opens a conversation at one of its messages, loading older pages until it is there; `render`
 *  draws the page before the message is scrolled to, marked for a moment. */
export async function showMessage(conversationId, messageId, render) {
  await openConversation(conversationId);
  const has = () => state.messages.get(conversationId)?.items.some((item) => item.id === messageId);
  try {
    for (let page = 0; page < 40 && !has() && state.messages.get(conversationId)?.hasMore; page += 1) {
      await store.loadOlder(conversationId);
    }
  } catch (error) {
    toast(`Older messages could not be loaded: ${error.message}`);
  }
  if (!has()) return toast("That message is no longer in this conversation.");
  foundId = messageId;
  clearTimeout(foundTimer);
  foundTimer = setTimeout(() => { foundId = null; renderChat(); }, 4000);
  render();
  document.querySelector(`#message-list li[data-message="${Number(messageId)}"]`)?.scrollIntoView({ block: "center" });
}

export function closeConversation() {
  switchDraft(null);
  state.openId = null;
  document.body.classList.remove("chat-open");
  renderChat();
}

async function loadOlder() {
  const id = state.openId;
  const loaded = state.messages.get(id);
  if (loadingOlder || !loaded?.hasMore) return;
  loadingOlder = true;
  const scroller = $("message-scroller");
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  try {
    await store.loadOlder(id);
    // Keep the message the reader was looking at where it was.
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
  } catch (error) {
    toast(`Older messages could not be loaded: ${error.message}`);
  } finally {
    loadingOlder = false;
  }
}

export function renderChat() {
  const conversation = state.conversations.get(state.openId);
  $("chat-placeholder").hidden = Boolean(conversation);
  $("chat-pane").hidden = !conversation;
  if (!conversation) {
    document.body.classList.remove("chat-open");
    return;
  }
  $("chat-title").textContent = store.conversationTitle(conversation);
  const scroller = $("message-scroller");
  const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  const loaded = state.messages.get(conversation.id);
  const names = new Map((conversation.members ?? []).map((member) => [member.user?.id, displayName(member.user)]));
  const rows = (loaded?.items ?? []).map((message) => messageRow(message, conversation, names));
  for (const item of store.pendingOf(conversation.id)) rows.push(pendingRow(conversation.id, item));
  if (loaded?.loaded && rows.length === 0) rows.push(h("li", { class: "empty" }, "No messages yet. Say hello!"));
  if (!loaded?.loaded) rows.push(h("li", { class: "empty" }, "Loading…"));
  $("message-list").replaceChildren(...rows);
  renderComposer();
  renderTyping();
  renderPresence();
  $("load-older").hidden = !loaded?.hasMore;
  if (stickToBottom || nearBottom) scroller.scrollTop = scroller.scrollHeight;
  stickToBottom = false;
}

/** "online" or "last seen …" under a direct conversation's title. */
export function renderPresence() {
  const other = store.otherMember(state.conversations.get(state.openId));
  const line = $("chat-presence");
  if (!other) { line.textContent = ""; return; }
  const { online, last_seen: lastSeen } = store.presenceOf(other.id);
  line.textContent = online ? "online" : lastSeen ? `last seen ${longTime(lastSeen)}` : "";
  line.dataset.online = online ? "true" : "false";
}

/** "… is typing" under the history, until it lapses. */
export function renderTyping() {
  const conversation = state.conversations.get(state.openId);
  const typists = conversation ? store.typingIn(conversation.id) : [];
  const names = typists.map((id) => displayName((conversation.members ?? []).find((member) => member.user?.id === id)?.user));
  const line = $("typing-indicator");
  line.textContent = names.length === 0 ? ""
    : names.length === 1 ? `${names[0]} is typing…`
    : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : `${names.length} people are typing…`;
  clearTimeout(typingTimer);
  // Looked at again when the next one lapses.
  if (names.length) typingTimer = setTimeout(renderTyping, 1000);
}

function messageRow(message, conversation, names) {
  const mine = message.sender === state.me?.id;
  const author = conversation.kind === "group" && !mine ? h("span", { class: "author" }, names.get(message.sender) ?? "A former member") : null;
  if (message.deleted) {
    return h("li", { class: `message deleted${mine ? " mine" : ""}`, dataset: { message: message.id } },
      author, h("p", { class: "text" }, "This message was deleted."));
  }
  const editing = editor?.id === message.id ? editor.element : null;
  return h("li", { class: `message${mine ? " mine" : ""}${message.id === foundId ? " found" : ""}`, dataset: { message: message.id } },
    author,
    editing ?? (message.text || !message.attachments?.length ? h("p", { class: "text" }, message.text) : null),
    attachmentsView(message),
    h("span", { class: "stamp" },
      message.edited_at ? h("span", { class: "edited", title: `Edited ${longTime(message.edited_at)}` }, "edited") : null,
      h("time", { datetime: message.created_at, title: longTime(message.created_at) }, shortTime(message.created_at)),
      mine ? ticks(message, conversation, names) : null,
      editing ? null : messageMenu(message, conversation, mine)));
}

// The one message being edited, its form kept across re-renders so that typing is not lost.
let editor = null;
let confirmingDelete = null;

/** Edit (one's own) and delete (one's own, or anyone's for a group's owner and admins). */
function messageMenu(message, conversation, mine) {
  const role = (conversation.members ?? []).find((member) => member.user?.id === state.me?.id)?.role;
  const mayDelete = mine || (conversation.kind === "group" && (role === "owner" || role === "admin"));
  if (!mayDelete) return null;
  const confirming = confirmingDelete === message.id;
  return h("details", { class: "message-menu" },
    h("summary", { "aria-label": "Message actions", title: "Message actions" }, "⋯"),
    h("div", { class: "menu" },
      mine ? h("button", { type: "button", class: "link", onclick: () => startEditing(message) }, "Edit") : null,
      h("button", { type: "button", class: `link${confirming ? " danger" : ""}`, onclick: () => deleteMessage(message, confirming) },
        confirming ? "Really delete" : "Delete")));
}

function startEditing(message) {
  const box = h("textarea", { class: "edit-text", "aria-label": "Edit message", maxlength: "10000" });
  box.value = message.text;
  const cancel = () => { editor = null; renderChat(); };
  const form = h("form", { class: "edit-form", onsubmit: async (event) => {
    event.preventDefault();
    try {
      store.replaceMessage(await api.editMessage(message.conversation, message.id, box.value));
      editor = null;
      renderChat();
    } catch (error) {
      toast(`Not edited: ${error.message}`);
    }
  } },
  box,
  h("span", { class: "edit-actions" },
    h("button", { type: "submit" }, "Save"), h("button", { type: "button", class: "link", onclick: cancel }, "Cancel")));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancel();
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  editor = { id: message.id, element: form };
  renderChat();
  box.focus();
}

async function deleteMessage(message, confirmed) {
  if (!confirmed) {
    confirmingDelete = message.id;
    renderChat();
    document.querySelector(`li[data-message="${message.id}"] .message-menu`)?.setAttribute("open", "");
    return;
  }
  confirmingDelete = null;
  try {
    await api.deleteMessage(message.conversation, message.id);
    store.replaceMessage({ ...message, text: "", attachments: [], deleted: true });
  } catch (error) {
    toast(`Not deleted: ${error.message}`);
    renderChat();
  }
}

/** ✓ sent; ✓✓ read by everyone else (in a group, who has read it so far in the title). */
function ticks(message, conversation, names) {
  const others = (conversation.members ?? []).filter((member) => member.user?.id !== state.me?.id).length;
  const readBy = store.readers(conversation, message);
  const all = others > 0 && readBy.length === others;
  const title = readBy.length === 0 ? "Sent"
    : conversation.kind === "group" && !all ? `Read by ${readBy.map((member) => names.get(member.user?.id)).join(", ")}` : "Read";
  return h("span", { class: `ticks${all ? " read" : ""}`, title, "aria-label": title }, all || readBy.length ? "✓✓" : "✓");
}

function pendingRow(conversationId, item) {
  const failed = item.status === "failed";
  return h("li", { class: `message mine pending${failed ? " failed" : ""}`, dataset: { clientId: item.clientId } },
    item.text || !item.attachments?.length ? h("p", { class: "text" }, item.text) : null,
    pendingAttachmentsView(item.attachments),
    failed
      ? h("span", { class: "status", role: "alert" }, `Not sent${item.error ? `: ${item.error.replace(/\.$/, "")}` : ""}. `,
        h("button", { type: "button", class: "link", onclick: () => store.retry(conversationId, item.clientId) }, "Retry"),
        " · ",
        h("button", { type: "button", class: "link", onclick: () => store.discard(conversationId, item.clientId) }, "Discard"))
      : h("span", { class: "status" }, "Sending…"));
}
