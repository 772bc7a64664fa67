// People and interests: everyone else, with what the caller can do about each (send an
// interest, accept or decline one, withdraw theirs, open the chat, remove a contact). Typed
// words and the contacts filter ask the server (`/api/core/user/?search=&is_friend=`); "Near me"
// shares the caller's area, asking the browser for the position only on that click.

import * as api from "./api.js";
import { $, h, toast } from "./dom.js";
import { displayName, errorText, initials } from "./format.js";
import { reloadPeople, state } from "./state.js";

let openChat = () => {};
// What the list shows besides everyone: the server's answer to the search, or the nearby list.
let found = null;
let nearbyFound = null;
let nearbyOn = false;
// Where the browser said the caller is: distances are measured from there, so only the others'
// areas blur them.
let here = null;
// Each search is numbered: an answer that comes after a newer search was typed is dropped.
let searchNumber = 0;
let searchTimer = null;

export function wirePeople({ onOpenConversation }) {
  openChat = onOpenConversation;
  $("people-button").onclick = async () => {
    $("people-dialog").showModal();
    $("people-filter").focus();
    renderPeople();
    try { await reloadPeople(); } catch (error) { toast(errorText(error.body, "People could not be loaded.")); }
    await refreshNearby();
  };
  $("people-filter").addEventListener("input", () => scheduleSearch(250));
  $("people-show").addEventListener("change", () => scheduleSearch(0));
  $("nearby-button").onclick = () => (nearbyOn ? leaveNearby() : enterNearby());
  $("nearby-radius").addEventListener("change", () => refreshNearby());
  $("nearby-stop").onclick = stopSharing;
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

function searchTerms() {
  const show = $("people-show").value;
  return { search: $("people-filter").value.trim().slice(0, 300), isFriend: show === "" ? undefined : show === "true" };
}

function scheduleSearch(delay) {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, delay);
}

async function runSearch() {
  const terms = searchTerms();
  const mine = ++searchNumber;
  if (!terms.search && terms.isFriend === undefined) {
    found = null;
    renderPeople();
    return;
  }
  try {
    const page = await api.findPeople(terms);
    if (mine !== searchNumber) return;
    found = Array.isArray(page?.results) ? page.results : [];
  } catch (error) {
    if (mine !== searchNumber) return;
    found = [];
    toast(errorText(error.body, "The search did not work."));
  }
  renderPeople();
}

/** The user list changed (an interest came or went): a search shown is asked again, so its buttons stay true. */
export function peopleChanged() {
  if (found && !nearbyOn) scheduleSearch(0);
  else renderPeople();
}

export function renderPeople() {
  if (!$("people-dialog").open) return;
  $("nearby-button").setAttribute("aria-pressed", String(nearbyOn));
  $("nearby-bar").hidden = !nearbyOn;
  $("people-filter").disabled = nearbyOn;
  $("people-show").disabled = nearbyOn;
  let rows;
  if (nearbyOn) {
    // The nearby list names people only; what the caller can do comes from the user list.
    const known = new Map(state.people.map((user) => [user.id, user]));
    rows = (nearbyFound ?? []).map(({ user, distance_km: distance }) => personRow({ ...user, ...known.get(user.id) }, `about ${distance} km away`));
    $("people-empty").textContent = nearbyFound ? "Nobody near you shares their area." : "Looking…";
  } else {
    rows = (found ?? state.people).map((user) => personRow(user));
    $("people-empty").textContent = "Nobody matches.";
  }
  $("people-list").replaceChildren(...rows);
  $("people-empty").hidden = rows.length > 0;
}

/** The browser's position, asked for only now (the permission prompt follows a click). */
function position() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error("This browser cannot tell where you are."));
    navigator.geolocation.getCurrentPosition(resolve, (error) => reject(new Error(
      error.code === error.PERMISSION_DENIED ? "Location is blocked for this site." : "Your position could not be found.")),
    { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });
}

async function enterNearby() {
  nearbyOn = true;
  nearbyFound = null;
  $("nearby-status").textContent = "Finding your area…";
  renderPeople();
  try {
    const { coords } = await position();
    here = { lat: coords.latitude, lon: coords.longitude };
    const shared = await api.shareLocation(coords.latitude, coords.longitude, coords.accuracy);
    const until = new Date(shared.expires_at);
    $("nearby-status").textContent = `Others see your area (about ${Math.round(shared.cell_m / 100) / 10} km), not your position, `
      + `until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}.`;
    await refreshNearby();
  } catch (error) {
    nearbyOn = false;
    renderPeople();
    toast(error.body ? errorText(error.body) : error.message);
  }
}

async function refreshNearby() {
  if (!nearbyOn) return;
  try {
    const page = await api.nearby(Number($("nearby-radius").value), here);
    nearbyFound = Array.isArray(page?.results) ? page.results : [];
  } catch (error) {
    nearbyFound = [];
    toast(errorText(error.body, "Nearby people could not be loaded."));
  }
  renderPeople();
}

function leaveNearby() {
  nearbyOn = false;
  nearbyFound = null;
  here = null;
  renderPeople();
}

async function stopSharing() {
  try {
    await api.stopSharingLocation();
    toast("Your area is no longer shared.");
  } catch (error) {
    if (error.status !== 404) return toast(errorText(error.body, "Sharing could not be stopped."));
  }
  leaveNearby();
}

function personRow(user, distance) {
  const name = displayName(user);
  const info = relation(user);
  const details = distance ? [distance] : [user.phone_number, user.email];
  return h("li", { class: "person", dataset: { user: user.id } },
    h("span", { class: "avatar", "aria-hidden": "true" }, initials(user)),
    h("span", { class: "summary" },
      h("span", { class: "title" }, name),
      h("span", { class: distance ? "preview distance" : "preview" }, details.filter(Boolean).join(" · "))),
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
