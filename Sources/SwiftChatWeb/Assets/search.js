// Message search: the sidebar's box asks the server (`/api/v2/search/messages/`) and lists the
// best matches with their snippets; a match opens its conversation at that message. Snippets
// come as segments, the matched ones marked, so highlighting needs no markup from the server.

import * as api from "./api.js";
import { $, h } from "./dom.js";
import { errorText, shortTime } from "./format.js";
import { conversationTitle, state } from "./state.js";

let showMessage = async () => {};
let current = { q: "", cursor: null, number: 0 };

export function wireSearch({ onShowMessage }) {
  showMessage = onShowMessage;
  $("message-search-form").onsubmit = (event) => {
    event.preventDefault();
    const q = $("message-search").value.trim();
    if (!q) return;
    current = { q, cursor: null, number: current.number + 1 };
    $("search-results").replaceChildren();
    $("search-dialog").showModal();
    load(current);
  };
}

async function load(search) {
  $("search-status").textContent = "Searching…";
  try {
    const page = await api.searchMessages(search.q, search.cursor);
    if (search !== current) return;  // a newer search was started meanwhile
    const hits = (Array.isArray(page?.results) ? page.results : []).map(hitRow);
    $("search-results").querySelector(".more")?.remove();
    $("search-results").append(...hits);
    search.cursor = page?.next_cursor ?? null;
    if (search.cursor) {
      $("search-results").append(h("li", { class: "more" }, h("button", { type: "button", class: "link", onclick: () => load(search) }, "More results")));
    }
    const shown = $("search-results").querySelectorAll("li.search-hit").length;
    $("search-status").textContent = shown ? `Messages matching “${search.q}”` : `No message matches “${search.q}”.`;
  } catch (error) {
    if (search !== current) return;
    $("search-status").textContent = errorText(error.body, "The search did not work.");
  }
}

function hitRow({ message, snippet }) {
  const conversation = state.conversations.get(message.conversation);
  const title = conversation ? conversationTitle(conversation) : "A conversation";
  const segments = (Array.isArray(snippet) ? snippet : []).map((segment) =>
    segment.match ? h("mark", {}, String(segment.text ?? "")) : String(segment.text ?? ""));
  return h("li", { class: "search-hit", dataset: { conversation: message.conversation, message: message.id } },
    h("button", { type: "button", onclick: async () => { $("search-dialog").close(); await showMessage(message.conversation, message.id); } },
      h("span", { class: "title" }, title, h("span", { class: "time" }, shortTime(message.created_at))),
      h("span", { class: "snippet" }, ...segments)));
}
