// Groups: creating one, and a conversation's details (members and roles; renaming, adding and
// removing members for owners and admins; leaving).

import * as api from "./api.js";
import { $, h, showError } from "./dom.js";
import { displayName, errorText } from "./format.js";
import { relation } from "./people.js";
import { conversationTitle, presenceOf, refreshConversation, reloadPeople, state } from "./state.js";

let openChat = () => {};

export function wireGroups({ onOpenConversation }) {
  openChat = onOpenConversation;
  $("new-group-button").onclick = async () => {
    $("group-name").value = "";
    showError($("group-error"), null);
    try { await reloadPeople(); } catch { /* the list shown may be older */ }
    $("group-candidates").replaceChildren(...contacts().map((user) => h("li", {},
      h("label", {}, h("input", { type: "checkbox", value: user.id, name: "member" }), ` ${displayName(user)}`))));
    if (!contacts().length) $("group-candidates").append(h("li", { class: "empty" }, "Add contacts first (People), or create the group alone."));
    $("group-dialog").showModal();
    $("group-name").focus();
  };
  $("group-form").onsubmit = async (event) => {
    event.preventDefault();
    const title = $("group-name").value.trim();
    if (!title) return showError($("group-error"), "A group needs a title.");
    const members = [...document.querySelectorAll("#group-candidates input:checked")].map((input) => Number(input.value));
    try {
      const group = await api.createGroup(title, members);
      state.conversations.set(group.id, group);
      $("group-dialog").close();
      await openChat(group.id);
    } catch (error) {
      showError($("group-error"), errorText(error.body, "The group could not be created."));
    }
  };
  $("chat-details-button").onclick = () => { renderDetails(); $("details-dialog").showModal(); };
  $("rename-form").onsubmit = (event) => {
    event.preventDefault();
    change(() => api.renameGroup(state.openId, $("rename-input").value.trim()));
  };
  $("add-member-form").onsubmit = (event) => {
    event.preventDefault();
    const user = Number($("add-member-select").value);
    if (user) change(() => api.addMember(state.openId, user));
  };
  $("leave-button").onclick = () => {
    if (!confirm("Leave this group? You will no longer see its messages.")) return;
    change(async () => {
      await api.removeMember(state.openId, state.me.id);
      $("details-dialog").close();
    });
  };
}

/** Accepted contacts: the people one can add to a group. */
function contacts() {
  return state.people.filter((user) => relation(user).kind === "contact");
}

async function change(action) {
  const id = state.openId;
  try {
    await action();
    await refreshConversation(id);
    if ($("details-dialog").open) renderDetails();
  } catch (error) {
    showError($("details-error"), errorText(error.body, error.message));
  }
}

export function renderDetails() {
  const conversation = state.conversations.get(state.openId);
  if (!conversation) {
    if ($("details-dialog").open) $("details-dialog").close();  // left, removed or deleted
    return;
  }
  showError($("details-error"), null);
  const group = conversation.kind === "group";
  const members = conversation.members ?? [];
  const myRole = members.find((member) => member.user.id === state.me?.id)?.role;
  const manages = group && (myRole === "owner" || myRole === "admin");
  $("details-title").textContent = conversationTitle(conversation);
  $("rename-form").hidden = !manages;
  $("rename-input").value = conversation.title ?? "";
  $("member-list").replaceChildren(...members.map((member) => h("li", { class: "member", dataset: { user: member.user.id } },
    h("span", { class: "title" }, displayName(member.user) + (member.user.id === state.me?.id ? " (you)" : ""),
      presenceOf(member.user.id).online ? h("span", { class: "dot", title: "online", "aria-label": "online" }) : null),
    h("span", { class: "state" }, group ? member.role : ""),
    manages && member.user.id !== state.me?.id && member.role !== "owner"
      ? h("button", { type: "button", class: "secondary", "aria-label": `Remove ${displayName(member.user)}`,
        onclick: () => change(() => api.removeMember(conversation.id, member.user.id)) }, "Remove")
      : null)));
  const memberIds = new Set(members.map((member) => member.user.id));
  const candidates = contacts().filter((user) => !memberIds.has(user.id));
  $("add-member-form").hidden = !manages || candidates.length === 0;
  $("add-member-select").replaceChildren(...candidates.map((user) => h("option", { value: user.id }, displayName(user))));
  $("leave-button").hidden = !group;
}

/** Keeps an open details dialog in step with live changes. */
export function refreshDetails() {
  if ($("details-dialog").open) renderDetails();
}
