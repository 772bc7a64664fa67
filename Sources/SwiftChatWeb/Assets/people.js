// People and interests: everyone else, with what the caller can do about each (send an
// interest, accept or decline one, withdraw theirs, open the chat, remove a contact).

import * as api from "./api.js";
import { $, h, toast } from "./dom.js";
import { displayName, errorText, initials } from "./format.js";
import { reloadPeople, state } from "./state.js";

let openChat = () => {};

export function wirePeople({ onOpenConversation }) {
  openChat = onOpenConversation;
  $("people-button").onclick = async () => {
    $("people-dialog").showModal();
    $("people-filter").focus();
    renderPeople();
    try { await reloadPeople(); } catch (error) { toast(errorText(error.body, "People could not be loaded.")); }
  };
  $("people-filter").addEventListener("input", renderPeople);
}

/** Who a user is to the caller, from the interest arrays of the v1 user list. */
export function relation(user) {
  const theirs = user.sent_by?.[0];
  const mine = user.sent_to?.[0];
  const interest = theirs ?? mine;
  if (!interest) return { kind: "none" };
  if (interest.is_accepted) return { kind: "contact", interest };
  return theirs ? { kind: "incoming", interest } : { kind: "outgoing", interest };
}

const digits = (text) => (text ?? "").replace(/\D/g, "");

export function renderPeople() {
  if (!$("people-dialog").open) return;
  const query = $("people-filter").value.trim().toLowerCase();
  const matches = state.people.filter((user) => {
    if (!query) return true;
    const text = [user.first_name, user.last_name, user.email, user.phone_number].filter(Boolean).join(" ").toLowerCase();
    return text.includes(query) || (digits(query).length >= 3 && digits(user.phone_number).includes(digits(query)));
  });
  $("people-list").replaceChildren(...matches.map(personRow));
  $("people-empty").hidden = matches.length > 0;
}

function personRow(user) {
  const name = displayName(user);
  const info = relation(user);
  return h("li", { class: "person", dataset: { user: user.id } },
    h("span", { class: "avatar", "aria-hidden": "true" }, initials(user)),
    h("span", { class: "summary" },
      h("span", { class: "title" }, name),
      h("span", { class: "preview" }, [user.phone_number, user.email].filter(Boolean).join(" · "))),
    h("span", { class: "actions" }, ...actions(user, name, info)));
}

function actions(user, name, info) {
  const button = (label, handler, extra = {}) =>
    h("button", { type: "button", "aria-label": `${label}: ${name}`, ...extra, onclick: (event) => act(event.currentTarget, handler) }, label);
  switch (info.kind) {
    case "none":
      return [button("Send interest", () => api.sendInterest(user.id))];
    case "outgoing":
      return [h("span", { class: "state" }, "Pending"), button("Withdraw", () => api.deleteInterest(info.interest.id), { class: "secondary" })];
    case "incoming":
      return [button("Accept", () => api.acceptInterest(info.interest.id)),
        button("Decline", () => api.deleteInterest(info.interest.id), { class: "secondary" })];
    case "contact":
      return [button("Chat", async () => {
        const conversation = [...state.conversations.values()].find((item) => item.interest === info.interest.id);
        if (!conversation) throw new Error("The conversation is not here yet; try again in a moment.");
        $("people-dialog").close();
        await openChat(conversation.id);
      }), button("Remove", () => confirm(`Remove ${name} from your contacts? Your chat with them is deleted too.`) && api.deleteInterest(info.interest.id), { class: "secondary" })];
    default:
      return [];
  }
}

async function act(button, handler) {
  button.disabled = true;
  try {
    await handler();
    await reloadPeople();
  } catch (error) {
    toast(errorText(error.body, error.message));
  } finally {
    button.disabled = false;
  }
}
