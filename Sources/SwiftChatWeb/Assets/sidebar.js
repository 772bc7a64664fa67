// The conversation list: latest activity first, with the last message, its time and an
// unread badge.

import { $, h } from "./dom.js";
import { attachmentSummary, displayName, initials, shortTime } from "./format.js";
import { conversationTitle, otherMember, presenceOf, sortedConversations, state } from "./state.js";

export function renderSidebar(onOpen) {
  const filter = $("conversation-filter").value.trim().toLowerCase();
  const items = sortedConversations().filter((conversation) => !filter || conversationTitle(conversation).toLowerCase().includes(filter));
  $("conversation-list").replaceChildren(...items.map((conversation) => row(conversation, onOpen)));
  $("conversation-empty").hidden = state.conversations.size > 0;
  const me = state.me;
  $("profile-button").textContent = me ? initials(me) : "";
  $("profile-button").title = me ? `${displayName(me)} (your profile)` : "";
}

function preview(conversation, last, author) {
  if (!last) return conversation.kind === "group" ? "New group" : "No messages yet";
  if (last.deleted) return "A message was deleted";
  return author + (String(last.text ?? "").slice(0, 120) || attachmentSummary(last.attachments));
}

function row(conversation, onOpen) {
  const title = conversationTitle(conversation);
  const unread = state.unread.get(conversation.id) ?? 0;
  const last = conversation.last_message;
  const author = last && last.sender === state.me?.id ? "You: " : "";
  const selected = conversation.id === state.openId;
  const other = otherMember(conversation);
  const online = other ? presenceOf(other.id).online : false;
  const label = `${title}${online ? ", online" : ""}${unread ? `, ${unread} unread` : ""}`;
  return h("li", {},
    h("button", {
      type: "button", class: `conversation${selected ? " selected" : ""}${unread ? " unread" : ""}`,
      "aria-current": selected ? "true" : undefined, "aria-label": label, dataset: { conversation: conversation.id },
      onclick: () => onOpen(conversation.id),
    },
    h("span", { class: `avatar${conversation.kind === "group" ? " group" : ""}`, "aria-hidden": "true" }, conversation.kind === "group" ? "#" : initials({ first_name: title }),
      online ? h("span", { class: "dot", title: "online" }) : null),
    h("span", { class: "summary" },
      h("span", { class: "title" }, title),
      h("span", { class: "preview" }, preview(conversation, last, author))),
    h("span", { class: "meta" },
      h("time", { datetime: last?.created_at ?? conversation.created_at }, shortTime(last?.created_at ?? conversation.created_at)),
      unread ? h("span", { class: "badge", "aria-hidden": "true" }, unread > 99 ? "99+" : String(unread)) : null)));
}
