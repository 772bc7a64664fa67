// What the client knows: the caller, their conversations, the messages loaded per
// conversation, unread counts and people. Views subscribe and re-render on change.

import * as api from "./api.js";
import { displayName } from "./format.js";

const listeners = new Set();
const MAX_MESSAGES_KEPT = 2000;  // per conversation, so a long session's memory stays bounded

export const state = {
  me: null,
  conversations: new Map(),
  /** conversation id → { items: [Message], hasMore, loaded } (ascending ids) */
  messages: new Map(),
  /** conversation id → [{ clientId, text, attachments, status: "sending" | "failed" }] (attachments: what uploads answered) */
  pending: new Map(),
  unread: new Map(),
  people: [],
  openId: null,
  /** conversation id → the text typed but not sent */
  drafts: new Map(),
  /** conversation id → Map(user id → when their "is typing" lapses, ms) */
  typing: new Map(),
  /** user id → { online, last_seen } as the server last said (conversations' members, then presence.changed) */
  presence: new Map(),
  connection: "connecting",
};

export function onChange(listener) { listeners.add(listener); }

/** Forgets everything of the signed-in user (sign-out), so the next one starts clean. */
export function reset() {
  if (state.me) sessionStorage.removeItem(pendingKey());
  Object.assign(state, {
    me: null, conversations: new Map(), messages: new Map(), pending: new Map(), unread: new Map(), people: [], openId: null,
    drafts: new Map(), typing: new Map(), presence: new Map(), connection: "connecting",
  });
  counted.clear();
}

export function changed(what, detail) {
  for (const listener of listeners) listener(what, detail);
}

// Read markers are the server's: one per member, moved forward only, shared by every device of
// the user. The client moves its own to the latest message when the user looks at it.
function readMarker(conversationId) {
  return state.conversations.get(conversationId)?.last_read_message_id ?? 0;
}

export function markRead(conversationId) {
  const conversation = state.conversations.get(conversationId);
  const latest = conversation?.latest_message_id;
  state.unread.delete(conversationId);
  if (!latest || readMarker(conversationId) >= latest) return;
  conversation.last_read_message_id = latest;
  // The receipt comes back as an event; a failure only leaves the marker behind until the next look.
  api.markRead(conversationId, latest).catch(() => {});
}

/** What the members of `conversations` show of their presence, as the REST answer had it. */
function learnPresence(conversations) {
  for (const conversation of conversations) {
    for (const member of conversation.members ?? []) {
      if (typeof member.online === "boolean") state.presence.set(member.user?.id, { online: member.online, last_seen: member.last_seen ?? null });
    }
  }
}

export function notePresence({ user, online, last_seen: lastSeen }) {
  state.presence.set(user, { online, last_seen: lastSeen ?? null });
  changed("presence");
}

export function presenceOf(userId) { return state.presence.get(userId) ?? { online: false, last_seen: null }; }

/** The other member of a direct conversation (presence is shown for them). */
export function otherMember(conversation) {
  if (conversation?.kind !== "direct") return null;
  return (conversation.members ?? []).find((member) => member.user?.id !== state.me?.id)?.user ?? null;
}

/** Others are typing (a frame names everyone who typed lately, this user too); each lapses by
 * itself unless a later frame names them again. */
export function noteTyping({ conversation, users, user, expires_in_seconds: seconds }) {
  if (!state.conversations.has(conversation)) return;
  const named = (Array.isArray(users) ? users : [user]).filter((id) => id !== state.me?.id);
  if (!named.length) return;
  const typists = state.typing.get(conversation) ?? new Map();
  const until = Date.now() + Math.min(Math.max(Number(seconds) || 6, 1), 30) * 1000;
  for (const id of named.slice(0, 100)) typists.set(id, until);
  state.typing.set(conversation, typists);
  changed("typing");
}

/** The members typing in the conversation now, lapsed ones forgotten. */
export function typingIn(conversationId) {
  const typists = state.typing.get(conversationId);
  if (!typists) return [];
  const now = Date.now();
  for (const [user, until] of typists) if (until <= now) typists.delete(user);
  if (!typists.size) state.typing.delete(conversationId);
  return [...typists.keys()];
}

/** Members other than the caller whose marker has reached `message` (for the ticks of one's own). */
export function readers(conversation, message) {
  return (conversation.members ?? []).filter((member) => member.user?.id !== state.me?.id && (member.last_read_message_id ?? 0) >= message.id);
}

export function conversationTitle(conversation) {
  if (!conversation) return "";
  if (conversation.kind === "group") return String(conversation.title || "Untitled group");
  const members = Array.isArray(conversation.members) ? conversation.members : [];
  const other = members.find((member) => member.user?.id !== state.me?.id);
  return displayName(other?.user ?? members[0]?.user);
}

export function sortedConversations() {
  const activity = (conversation) => conversation.last_message?.created_at ?? conversation.created_at;
  return [...state.conversations.values()].sort((a, b) => (activity(b) > activity(a) ? 1 : activity(b) < activity(a) ? -1 : b.id - a.id));
}

/** Everything over REST: after the first subscribe, a resync or a new epoch. */
export async function reloadAll() {
  const [me, conversations] = await Promise.all([api.me(), api.allConversations()]);
  state.me = me;
  state.conversations = new Map(conversations.map((conversation) => [conversation.id, conversation]));
  learnPresence(conversations);
  state.unread = new Map();
  for (const conversation of conversations) {
    if (conversation.id === state.openId && document.visibilityState === "visible") markRead(conversation.id);
    else if (conversation.unread_count > 0) state.unread.set(conversation.id, conversation.unread_count);
  }
  // Loaded histories may miss what came while away: reload the open one, forget the rest.
  state.messages = new Map();
  if (state.openId && !state.conversations.has(state.openId)) state.openId = null;
  changed("conversations");
  if (state.openId) await loadLatest(state.openId);
  restorePending();
  await reloadPeople();
}

export async function reloadPeople() {
  state.people = await api.people();
  changed("people");
}

export async function loadLatest(conversationId) {
  // Made before the request, so that a message.created applied while it runs lands here too.
  const entry = { items: [], hasMore: false, loaded: false };
  state.messages.set(conversationId, entry);
  const page = await api.messages(conversationId, { limit: 50 });
  if (state.messages.get(conversationId) !== entry) return;  // reloaded or removed meanwhile
  entry.items = dedupe([...(Array.isArray(page.results) ? page.results : []), ...entry.items]);
  entry.hasMore = Boolean(page.has_more);
  entry.loaded = true;
  changed("messages");
}

export async function loadOlder(conversationId) {
  const loaded = state.messages.get(conversationId);
  if (!loaded?.items.length || !loaded.hasMore) return;
  const page = await api.messages(conversationId, { before: loaded.items[0].id, limit: 50 });
  loaded.items = dedupe([...(Array.isArray(page.results) ? page.results : []), ...loaded.items]);
  loaded.hasMore = Boolean(page.has_more);
  if (loaded.items.length > MAX_MESSAGES_KEPT) loaded.items.length = MAX_MESSAGES_KEPT;  // the newest are dropped, to be reloaded
  changed("older");
}

function dedupe(items) {
  const seen = new Set();
  return items.filter((item) => !seen.has(item.id) && seen.add(item.id)).sort((a, b) => a.id - b.id);
}

// Unread: messages of others after the read marker, each counted once (the server's count
// replaces these on every reload).
const counted = new Set();
function countUnread(message) {
  const key = `${message.conversation}:${message.id}`;
  if (counted.has(key) || message.id <= readMarker(message.conversation)) return;
  if (counted.size > 10000) counted.clear();
  counted.add(key);
  state.unread.set(message.conversation, (state.unread.get(message.conversation) ?? 0) + 1);
}

/** Adds a message wherever it shows. */
function addMessage(message) {
  const conversation = state.conversations.get(message.conversation);
  if (conversation) {
    if (!conversation.last_message || message.id >= conversation.last_message.id) {
      conversation.last_message = message;
      conversation.latest_message_id = message.id;
    }
  }
  const loaded = state.messages.get(message.conversation);
  if (loaded) {
    if (!loaded.items.some((item) => item.id === message.id)) {
      loaded.items.push(message);
      loaded.items.sort((a, b) => a.id - b.id);
      if (loaded.items.length > MAX_MESSAGES_KEPT) {
        loaded.items.splice(0, loaded.items.length - MAX_MESSAGES_KEPT);
        loaded.hasMore = true;
      }
    }
  }
  if (message.sender === state.me?.id && message.client_id) dropPending(message.conversation, message.client_id);
}

/** An edited message, or a deleted one's tombstone, wherever the message shows. */
export function replaceMessage(message) {
  const conversation = state.conversations.get(message.conversation);
  if (conversation?.last_message?.id === message.id) conversation.last_message = message;
  const loaded = state.messages.get(message.conversation);
  const index = loaded?.items.findIndex((item) => item.id === message.id) ?? -1;
  if (index >= 0) loaded.items[index] = message;
  changed("messages");
  changed("conversations");
}

export async function refreshConversation(id) {
  try {
    const conversation = await api.conversation(id);
    state.conversations.set(id, conversation);
    learnPresence([conversation]);
  } catch (error) {
    if (error.status !== 404) throw error;
    removeConversation(id);  // no longer a member
  }
  changed("conversations");
}

function removeConversation(id) {
  state.conversations.delete(id);
  state.messages.delete(id);
  state.unread.delete(id);
  state.pending.delete(id);
  savePending();
  state.drafts.delete(id);
  if (state.openId === id) {
    state.openId = null;
    changed("gone");
  }
}

/** One event of the log (`v2-api.md` §2). */
export async function applyEvent(event) {
  const data = event.data ?? {};
  switch (event.type) {
    case "message.created": {
      const message = data.message;
      if (!message || !Number.isSafeInteger(message.id)) break;
      if (!state.conversations.has(message.conversation)) await refreshConversation(message.conversation);
      if (!state.conversations.has(message.conversation)) break;  // no longer a member: nothing to show
      addMessage(message);
      // Whoever sent it has stopped typing it.
      if (state.typing.get(message.conversation)?.delete(message.sender)) changed("typing");
      const visible = state.openId === message.conversation && document.visibilityState === "visible";
      if (message.sender !== state.me?.id) {
        if (visible) {
          markRead(message.conversation);
          changed("incoming", message);
        } else {
          countUnread(message);
        }
      }
      changed("messages");
      changed("conversations");
      break;
    }
    case "conversation.created":
      // Events carry no presence (it would be stale in the log): the REST answer has it.
      state.conversations.set(data.conversation.id, data.conversation);
      await refreshConversation(data.conversation.id);
      break;
    case "conversation.updated":
      state.conversations.set(data.conversation.id, data.conversation);
      changed("conversations");
      break;
    case "conversation.deleted":
      removeConversation(data.conversation);
      changed("conversations");
      break;
    case "member.added":
    case "member.removed":
    case "member.updated":
      await refreshConversation(data.conversation);
      break;
    case "message.updated":
    case "message.deleted":
      if (data.message && Number.isSafeInteger(data.message.id)) replaceMessage(data.message);
      break;
    case "receipt.updated": {
      const conversation = state.conversations.get(data.conversation);
      const marker = data.last_read_message_id;
      if (!conversation || !Number.isSafeInteger(marker)) break;
      const member = (conversation.members ?? []).find((entry) => entry.user?.id === data.user);
      if (member && (member.last_read_message_id ?? 0) < marker) member.last_read_message_id = marker;
      if (data.user === state.me?.id && readMarker(data.conversation) < marker) {
        // Read on another device: what it saw is no longer unread here.
        conversation.last_read_message_id = marker;
        if (marker >= (conversation.latest_message_id ?? 0)) state.unread.delete(data.conversation);
      }
      changed("messages");
      changed("conversations");
      break;
    }
    case "interest.changed":
      // An interest made or deleted makes or deletes a direct conversation too.
      await Promise.all([reloadPeople(), reloadConversations()]);
      break;
    default:
      break;
  }
}

async function reloadConversations() {
  const conversations = await api.allConversations();
  const ids = new Set(conversations.map((conversation) => conversation.id));
  for (const id of [...state.conversations.keys()]) if (!ids.has(id)) removeConversation(id);
  for (const conversation of conversations) state.conversations.set(conversation.id, conversation);
  learnPresence(conversations);
  changed("conversations");
}

// Posting: the text stays on screen until the server has it; a retry reuses its client_id,
// so a post whose answer was lost is never stored twice.

export function pendingOf(conversationId) { return state.pending.get(conversationId) ?? []; }

function dropPending(conversationId, clientId) {
  const list = pendingOf(conversationId).filter((item) => item.clientId !== clientId);
  if (list.length) state.pending.set(conversationId, list); else state.pending.delete(conversationId);
  savePending();
}

// Posts the server has not confirmed survive a reload of the page (in this tab), and are sent
// again with their client_id once it is back: stored once, whatever happened to the first try.
const pendingKey = () => `swiftchat.pending.${state.me?.id}`;

function savePending() {
  if (!state.me) return;
  const saved = {};
  // The attachments without their links, which expire: the post needs only the ids.
  for (const [id, list] of state.pending) {
    saved[id] = list.map(({ clientId, text, attachments }) => ({
      clientId, text, attachments: attachments.map(({ id: attachment, name, type, size }) => ({ id: attachment, name, type, size })),
    }));
  }
  if (Object.keys(saved).length) sessionStorage.setItem(pendingKey(), JSON.stringify(saved));
  else sessionStorage.removeItem(pendingKey());
}

function restorePending() {
  let saved;
  try { saved = JSON.parse(sessionStorage.getItem(pendingKey())) ?? {}; } catch { saved = {}; }
  for (const [id, list] of Object.entries(saved)) {
    const conversationId = Number(id);
    if (!state.conversations.has(conversationId) || !Array.isArray(list)) continue;
    for (const item of list.slice(0, 100)) {
      if (typeof item?.text !== "string" || typeof item?.clientId !== "string") continue;
      if (pendingOf(conversationId).some((entry) => entry.clientId === item.clientId)) continue;
      const attachments = Array.isArray(item.attachments) ? item.attachments.filter((entry) => Number.isSafeInteger(entry?.id)).slice(0, 10) : [];
      post(conversationId, item.text, attachments, item.clientId);
    }
  }
}

/** 128 random bits as hex (crypto.randomUUID needs a secure context; plain http on a LAN is not one). */
function newClientId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `attachments`: finished uploads (at least their `id`), sent by id with the text. */
export async function post(conversationId, text, attachments = [], clientId = newClientId()) {
  const list = pendingOf(conversationId).filter((item) => item.clientId !== clientId);
  list.push({ clientId, text, attachments, status: "sending" });
  state.pending.set(conversationId, list);
  savePending();
  changed("messages");
  try {
    const message = await api.postMessage(conversationId, text, clientId, attachments.map((attachment) => attachment.id));
    addMessage(message);
    markRead(conversationId);
  } catch (error) {
    const item = pendingOf(conversationId).find((entry) => entry.clientId === clientId);
    if (item) Object.assign(item, { status: "failed", error: error.message });
  }
  changed("messages");
  changed("conversations");
}

export function retry(conversationId, clientId) {
  const item = pendingOf(conversationId).find((entry) => entry.clientId === clientId);
  if (item) post(conversationId, item.text, item.attachments, clientId);
}

export function discard(conversationId, clientId) {
  dropPending(conversationId, clientId);
  changed("messages");
}
