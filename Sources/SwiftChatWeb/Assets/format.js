// How people, times and errors read on screen.

export function displayName(user) {
  if (!user) return "Someone";
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ").trim();
  return name || user.phone_number || `User ${user.id}`;
}

export function initials(user) {
  const name = displayName(user);
  const letters = name.split(/\s+/).filter((part) => /\p{L}/u.test(part)).map((part) => part[0]);
  return (letters.slice(0, 2).join("") || "#").toUpperCase();
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

/** Today: the time; otherwise the day and the time. */
export function shortTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const now = new Date();
  return date.toDateString() === now.toDateString() ? timeOfDay.format(date) : dayAndTime.format(date);
}

export function longTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : full.format(date);
}

/** A byte count as people read it: 940 B, 12.5 KB, 3 MB. */
export function humanSize(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} ${units[unit]}`;
}

/** What a message's attachments amount to, where its text would show (previews, announcements). */
export function attachmentSummary(attachments) {
  const list = Array.isArray(attachments) ? attachments : [];
  if (list.length === 0) return "";
  if (list.length > 1) return `${list.length} attachments`;
  const kind = /^(image|video|audio)\//.exec(String(list[0].type ?? ""))?.[1];
  return `${{ image: "Photo", video: "Video", audio: "Audio" }[kind] ?? "File"}: ${String(list[0].name ?? "")}`;
}

/** The text of an API error body: `{"detail": …}`, `{"field": ["…"]}` or a list. */
export function errorText(body, fallback = "Something went wrong.") {
  if (!body) return fallback;
  if (typeof body === "string") return body;
  if (Array.isArray(body)) return body.join(" ");
  if (typeof body.detail === "string") return body.detail;
  const parts = [];
  for (const [field, value] of Object.entries(body)) {
    const text = Array.isArray(value) ? value.join(" ") : String(value);
    parts.push(field === "non_field_errors" ? text : `${field}: ${text}`);
  }
  return parts.join(" ") || fallback;
}
