// The REST API, as any client uses it: JSON over fetch with `Authorization: JWT <access>`.
// A 401 refreshes the access token once (as the original's client does) and retries; a refresh
// that fails signs the user out.

const SESSION_KEY = "swiftchat.session";
const REQUEST_TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(status, body) {
    super(typeof body?.detail === "string" ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export const session = {
  load() {
    try { return JSON.parse(localStorage.getItem(SESSION_KEY)) ?? null; } catch { return null; }
  },
  save(value) { localStorage.setItem(SESSION_KEY, JSON.stringify(value)); },
  clear() { localStorage.removeItem(SESSION_KEY); },
  key: SESSION_KEY,
};

let refreshing = null;

/** A new access token from the refresh token; one request however many callers wait. */
export function refreshAccess() {
  refreshing ??= (async () => {
    const current = session.load();
    if (!current?.refresh) throw new ApiError(401, { detail: "Signed out." });
    const reply = await send("POST", "/api/auth/jwt/refresh/", { refresh: current.refresh }, null);
    // Only into the session it was asked for: a sign-out (or another sign-in) meanwhile wins.
    if (session.load()?.refresh !== current.refresh) throw new ApiError(401, { detail: "Signed out." });
    session.save({ ...current, access: reply.access });
    return reply.access;
  })().catch((error) => {
    if (error.status === 401) signOut();
    throw error;
  }).finally(() => { refreshing = null; });
  return refreshing;
}

export function signOut() {
  session.clear();
  refreshing = null;
  window.dispatchEvent(new CustomEvent("swiftchat:signed-out"));
}

async function send(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `JWT ${token}`;
  let response;
  try {
    // A request on a half-open connection would otherwise hold up everything queued behind it.
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    throw new ApiError(0, { detail: "The server cannot be reached. Check your connection." });
  }
  const text = await response.text();
  let parsed = null;
  if (text) {
    try { parsed = JSON.parse(text); } catch { parsed = { detail: text.slice(0, 200) }; }
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** An authenticated call; refreshes and retries once on 401. */
export async function call(method, path, body) {
  const current = session.load();
  try {
    return await send(method, path, body, current?.access);
  } catch (error) {
    if (error.status !== 401 || !current?.refresh) throw error;
    return send(method, path, body, await refreshAccess());
  }
}

// Sign-in (public routes).
export const requestCode = (phone) => send("POST", "/api/otp/gen/phone_number/", { phone_number: phone, otp_for: "A" });
export const verifyCode = (phone, code) => send("POST", "/api/otp/auth/", { phone_number: phone, otp: code });

// v1: the caller, people, interests.
export const me = () => call("GET", "/api/core/user/me/");
export const updateMe = (fields) => call("PATCH", "/api/core/user/me/", fields);
export const people = () => call("GET", "/api/core/user/");
/** One page of the user list's search: `{results, next_cursor}`. */
export function findPeople({ search, isFriend, limit = 50 }) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (search) query.set("search", search);
  if (isFriend !== undefined) query.set("is_friend", String(isFriend));
  return call("GET", `/api/core/user/?${query}`);
}
export const privacySetting = () => call("GET", "/api/v2/me/privacy/");
export const setSearchableByPhone = (searchable) => call("PUT", "/api/v2/me/privacy/", { searchable_by_phone: searchable });
export const shareLocation = (lat, lon, accuracy) =>
  call("PUT", "/api/v2/me/location/", { lat, lon, accuracy_m: Number.isFinite(accuracy) ? Math.min(1000000, Math.round(accuracy)) : undefined });
export const stopSharingLocation = () => call("DELETE", "/api/v2/me/location/");
/** Around `from` (`{lat, lon}`, never stored), or the caller's shared area when it is null. */
export function nearby(radiusKm, from) {
  const query = new URLSearchParams({ radius_km: String(radiusKm), limit: "50" });
  if (from) { query.set("lat", String(from.lat)); query.set("lon", String(from.lon)); }
  return call("GET", `/api/v2/users/nearby/?${query}`);
}
export function searchMessages(q, cursor) {
  const query = new URLSearchParams({ q, limit: "30" });
  if (cursor) query.set("cursor", cursor);
  return call("GET", `/api/v2/search/messages/?${query}`);
}
export const sendInterest = (userId) => call("POST", "/api/my_app/interests/", { sent_to: userId });
export const acceptInterest = (id) => call("POST", `/api/my_app/interests/${id}/accept_interest/`);
export const deleteInterest = (id) => call("DELETE", `/api/my_app/interests/${id}/`);

// v2: conversations, members, messages.
export const conversation = (id) => call("GET", `/api/v2/conversations/${id}/`);
export const createGroup = (title, members) => call("POST", "/api/v2/conversations/", { title, members });
export const renameGroup = (id, title) => call("PATCH", `/api/v2/conversations/${id}/`, { title });
export const addMember = (id, user) => call("POST", `/api/v2/conversations/${id}/members/`, { user });
export const removeMember = (id, user) => call("DELETE", `/api/v2/conversations/${id}/members/${user}/`);
export const postMessage = (id, text, clientId, attachments = []) =>
  call("POST", `/api/v2/conversations/${id}/messages/`, { text, client_id: clientId, attachments });

// v2: attachments. The links in them are signed for the reader and expire; this gives fresh ones.
export const attachment = (id) => call("GET", `/api/v2/attachments/${id}/`);
export const uploadForm = () => call("GET", "/api/v2/uploads/form/");

/**
 * Uploads one file as multipart/form-data (part `file`), by XMLHttpRequest since fetch reports
 * no upload progress. `onProgress` gets a fraction; a 401 refreshes the token and starts over
 * once. Returns `{ done, abort }`: `done` resolves to the attachment or rejects with an ApiError
 * (`aborted` set when `abort()` was called).
 */
export function upload(file, onProgress) {
  let request = null;
  let aborted = false;
  const attempt = (token) => new Promise((resolve, reject) => {
    request = new XMLHttpRequest();
    request.open("POST", "/api/v2/uploads/");
    request.setRequestHeader("Accept", "application/json");
    if (token) request.setRequestHeader("Authorization", `JWT ${token}`);
    request.upload.onprogress = (event) => { if (event.lengthComputable && event.total) onProgress(event.loaded / event.total); };
    request.onload = () => {
      let parsed = null;
      try { parsed = request.responseText ? JSON.parse(request.responseText) : null; } catch { parsed = { detail: request.responseText.slice(0, 200) }; }
      if (request.status >= 200 && request.status < 300) resolve(parsed);
      else reject(new ApiError(request.status, parsed));
    };
    request.onerror = () => reject(new ApiError(0, { detail: "The server cannot be reached. Check your connection." }));
    request.onabort = () => reject(Object.assign(new ApiError(0, { detail: "Cancelled." }), { aborted: true }));
    const form = new FormData();
    form.append("file", file, file.name || "file");
    request.send(form);
  });
  const done = (async () => {
    const current = session.load();
    try {
      return await attempt(current?.access);
    } catch (error) {
      if (error.status !== 401 || !current?.refresh || aborted) throw error;
      const token = await refreshAccess();
      if (aborted) throw Object.assign(new ApiError(0, { detail: "Cancelled." }), { aborted: true });
      onProgress(0);
      return attempt(token);
    }
  })();
  return { done, abort() { aborted = true; request?.abort(); } };
}

export function editMessage(conversationId, messageId, text) {
  return call("PATCH", `/api/v2/conversations/${conversationId}/messages/${messageId}/`, { text });
}

export function deleteMessage(conversationId, messageId) {
  return call("DELETE", `/api/v2/conversations/${conversationId}/messages/${messageId}/`);
}

export function presenceSetting() { return call("GET", "/api/v2/me/presence/"); }

export function setPresenceHidden(hidden) { return call("PUT", "/api/v2/me/presence/", { hidden }); }

export function markRead(id, messageId) {
  return call("POST", `/api/v2/conversations/${id}/read/`, { message_id: messageId });
}

export function messages(id, { before, limit = 50 } = {}) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) query.set("before", String(before));
  return call("GET", `/api/v2/conversations/${id}/messages/?${query}`);
}

/** Every conversation of the caller, page by page (bounded: a client shows at most 2,000). */
export async function allConversations() {
  const results = [];
  let cursor = null;
  for (let page = 0; page < 20; page += 1) {
    const query = new URLSearchParams({ limit: "100" });
    if (cursor) query.set("cursor", cursor);
    const reply = await call("GET", `/api/v2/conversations/?${query}`);
    for (const conversation of Array.isArray(reply?.results) ? reply.results.slice(0, 100) : []) results.push(conversation);
    cursor = reply.next_cursor;
    if (!cursor) break;
  }
  return results;
}
