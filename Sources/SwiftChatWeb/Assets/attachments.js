// Attachments. In the composer, files picked, dropped on the conversation or pasted upload at
// once, each with its progress and a way to remove it; the send button waits for them. In the
// messages, images show as previews, video and audio as players, anything else as a file card.
// Names only ever go in as text or attribute values.

import * as api from "./api.js";
import { $, h, toast } from "./dom.js";
import { errorText, humanSize } from "./format.js";

/** The most a message may carry (the server's bound). */
export const MAX_PER_MESSAGE = 10;

/** conversation id → the uploads started there: [Upload], in the order they were added. */
const uploads = new Map();
let shownConversation = null;
let shownItems = [];
let maxSize = null;  // GET /api/v2/uploads/form/'s max_size, asked once
let onUploadsChanged = () => {};

function announce(text) { $("announcer").textContent = text; }

// The composer

/** Wires the file picker, drag and drop onto the open conversation and pasting into the box.
 * `currentConversation()` says where a file goes; `changed()` runs when what can be sent changes. */
export function wireComposerAttachments({ currentConversation, changed }) {
  onUploadsChanged = changed;
  const input = $("composer-file");
  input.addEventListener("change", () => {
    addFiles(currentConversation(), [...input.files]);
    input.value = "";  // the same file may be picked again
  });

  const pane = $("chat-pane");
  let depth = 0;  // dragenter/dragleave also fire for every child crossed
  const carriesFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes("Files");
  pane.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth += 1;
    pane.classList.add("dropping");
  });
  pane.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  pane.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) pane.classList.remove("dropping");
  });
  pane.addEventListener("drop", (event) => {
    depth = 0;
    pane.classList.remove("dropping");
    if (!carriesFiles(event)) return;
    event.preventDefault();
    addFiles(currentConversation(), [...event.dataTransfer.files]);
    $("composer-text").focus();
  });
  // A file dropped beside the conversation must not make the browser leave the page to show it.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => { if (carriesFiles(event)) event.preventDefault(); });
  }

  $("composer-text").addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith("image/"));
    if (files.length === 0) return;
    // An image copied from a page often comes with its text too: that still goes into the box.
    if (!event.clipboardData.types.includes("text/plain")) event.preventDefault();
    addFiles(currentConversation(), files);
  });
}

/** Starts uploading each file for the conversation, up to what a message may carry. */
export function addFiles(conversationId, files) {
  if (!conversationId || files.length === 0) return;
  const list = uploads.get(conversationId) ?? [];
  const room = MAX_PER_MESSAGE - list.filter((item) => item.status !== "failed").length;
  if (files.length > room) {
    const message = `A message takes at most ${MAX_PER_MESSAGE} files; ${files.length - Math.max(room, 0)} left out.`;
    toast(message);
    announce(message);
  }
  for (const file of files.slice(0, Math.max(room, 0))) list.push(new Upload(conversationId, file));
  uploads.set(conversationId, list);
  onUploadsChanged();
}

/** What the composer would send now: the finished uploads, and whether any still runs. */
export function readyAttachments(conversationId) {
  const list = uploads.get(conversationId) ?? [];
  return {
    attachments: list.filter((item) => item.status === "done").map((item) => item.attachment),
    busy: list.some((item) => item.status === "uploading"),
  };
}

/** After a send: the finished uploads went with it; failed ones stay to be read and removed. */
export function takeSent(conversationId) {
  for (const item of [...(uploads.get(conversationId) ?? [])]) if (item.status === "done") item.remove({ quiet: true });
}

/** Sign-out: every upload stops and is forgotten. */
export function clearUploads() {
  for (const list of uploads.values()) for (const item of list) item.stop();
  uploads.clear();
  shownConversation = null;
  shownItems = [];
  $("composer-uploads").replaceChildren();
  $("composer-uploads").hidden = true;
}

/** Shows the uploads of the open conversation (drafts of files, like the drafts of text). */
export function showUploadsOf(conversationId) {
  const list = uploads.get(conversationId) ?? [];
  // Rebuilt only when the items change: a rebuild would take the focus from a remove button.
  if (conversationId === shownConversation && list.length === shownItems.length && list.every((item, index) => item === shownItems[index])) return;
  shownConversation = conversationId;
  shownItems = [...list];
  const tray = $("composer-uploads");
  tray.replaceChildren(...list.map((item) => item.node));
  tray.hidden = list.length === 0;
}

async function largestAccepted() {
  if (maxSize === null) {
    try { maxSize = Number((await api.uploadForm())?.max_size) || 0; } catch { return 0; }
  }
  return maxSize;
}

/** One file on its way: its row in the composer, its request, its outcome. */
class Upload {
  constructor(conversationId, file) {
    this.conversationId = conversationId;
    this.file = file;
    this.name = file.name || "Pasted image";
    this.status = "uploading";
    this.attachment = null;
    this.request = null;
    this.preview = file.type.startsWith("image/") ? URL.createObjectURL(file) : null;
    this.progress = h("progress", { max: "100", value: "0", "aria-label": `Uploading ${this.name}` });
    this.state = h("span", { class: "upload-state" }, "Uploading…");
    this.node = h("li", { class: "upload", dataset: { state: "uploading" } },
      this.preview ? h("img", { class: "upload-preview", src: this.preview, alt: "", onerror: (event) => event.target.replaceWith(this.badge()) }) : this.badge(),
      h("span", { class: "upload-info" },
        h("span", { class: "upload-name", title: this.name }, this.name),
        h("span", { class: "upload-meta" }, humanSize(file.size), " · ", this.state),
        this.progress),
      h("button", { type: "button", class: "close upload-remove", "aria-label": `Remove ${this.name}`, title: "Remove", onclick: () => this.remove() }, "×"));
    this.start();
  }

  /** In place of a preview: the file's extension (also for an "image" that does not decode). */
  badge() {
    return h("span", { class: "upload-preview file-badge", "aria-hidden": "true" }, extension(this.name));
  }

  async start() {
    const limit = await largestAccepted();
    if (this.status !== "uploading") return;  // removed meanwhile
    if (limit && this.file.size > limit) {
      this.fail(`The file is larger than ${humanSize(limit)}, the most accepted.`);
      return;
    }
    this.request = api.upload(this.file, (fraction) => { this.progress.value = String(Math.round(fraction * 100)); });
    try {
      this.attachment = await this.request.done;
      if (this.status !== "uploading") return;
      this.status = "done";
      this.node.dataset.state = "done";
      this.progress.value = "100";
      this.progress.hidden = true;
      this.state.textContent = "Ready to send";
      announce(`${this.name} uploaded.`);
      onUploadsChanged();
    } catch (error) {
      if (error.aborted || this.status !== "uploading") return;
      this.fail(errorText(error.body, error.message));
    }
  }

  fail(detail) {
    this.status = "failed";
    this.node.dataset.state = "failed";
    this.progress.hidden = true;
    // Said by the announcer, not by a role=alert here as well: once is enough.
    this.state.textContent = `Not uploaded: ${detail}`;
    this.state.classList.add("error");
    announce(`${this.name} could not be uploaded: ${detail}`);
    onUploadsChanged();
  }

  stop() {
    if (this.status === "uploading") this.request?.abort();
    this.status = "removed";
    if (this.preview) URL.revokeObjectURL(this.preview);
    this.preview = null;
  }

  remove({ quiet = false } = {}) {
    const list = uploads.get(this.conversationId) ?? [];
    const index = list.indexOf(this);
    const hadFocus = this.node.contains(document.activeElement);
    this.stop();
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) uploads.delete(this.conversationId);
    onUploadsChanged();
    if (!quiet) announce(`${this.name} removed.`);
    // The focus goes to the next file's remove button, or back to the message box.
    if (hadFocus) (list[Math.min(index, list.length - 1)]?.node.querySelector("button") ?? $("composer-text")).focus();
  }
}

function extension(name) {
  const match = /\.([a-z0-9]{1,5})$/i.exec(name);
  return match ? match[1].toUpperCase() : "FILE";
}

// In messages

// A message's attachments are built once and kept with it: the list is rebuilt on every change,
// and a new <video> would stop what is playing, a new <img> could flicker.
const built = new WeakMap();

/** The attachments of a message as a list, or null. */
export function attachmentsView(message) {
  const list = Array.isArray(message.attachments) ? message.attachments.filter((item) => item && typeof item === "object") : [];
  if (list.length === 0) return null;
  let view = built.get(message);
  if (!view) {
    view = h("ul", { class: "attachments", role: "list" }, list.map((attachment) => h("li", {}, attachmentView(attachment))));
    built.set(message, view);
  }
  return view;
}

/** What is being sent: the names only, until the server has the message. */
export function pendingAttachmentsView(attachments) {
  if (!attachments?.length) return null;
  return h("ul", { class: "attachments pending-files", role: "list" },
    attachments.map((attachment) => h("li", { class: "attachment file" },
      h("span", { class: "file-badge", "aria-hidden": "true" }, extension(String(attachment.name ?? ""))),
      h("span", { class: "file-info" },
        h("span", { class: "file-name" }, String(attachment.name ?? "")),
        h("span", { class: "file-meta" }, humanSize(attachment.size))))));
}

function attachmentView(attachment) {
  const type = String(attachment.type ?? "");
  if (type.startsWith("image/") && attachment.thumbnail_url) return imageView(attachment);
  if (type.startsWith("video/")) return videoView(attachment);
  if (type.startsWith("audio/")) return audioView(attachment);
  return fileView(attachment);
}

/** Width and height attributes within a box, so that the list keeps its place while it loads. */
function fitted(attachment, maxWidth, maxHeight) {
  const { width, height } = attachment;
  if (!(width > 0 && height > 0)) return {};
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: String(Math.max(1, Math.round(width * scale))), height: String(Math.max(1, Math.round(height * scale))) };
}

function imageView(attachment) {
  const name = String(attachment.name ?? "");
  const image = h("img", { src: attachment.thumbnail_url, alt: name, decoding: "async", ...fitted(attachment, 320, 280) });
  const link = h("a", {
    class: "attachment image", href: attachment.url, target: "_blank", rel: "noopener noreferrer",
    title: `${name} (${humanSize(attachment.size)}), opens in a new tab`,
  }, image);
  whenExpired(image, attachment, () => { image.src = attachment.thumbnail_url; link.href = attachment.url; });
  followFresh(link, attachment, () => {
    image.src = attachment.thumbnail_url;
    link.href = attachment.url;
    link.click();
  });
  return link;
}

function videoView(attachment) {
  const name = String(attachment.name ?? "");
  const video = h("video", { controls: true, preload: "metadata", src: attachment.url, "aria-label": name, ...fitted(attachment, 360, 280) });
  whenExpired(video, attachment, () => { video.src = attachment.url; });
  return h("figure", { class: "attachment video" }, video, h("figcaption", {}, name));
}

function audioView(attachment) {
  const name = String(attachment.name ?? "");
  const audio = h("audio", { controls: true, preload: "metadata", src: attachment.url, "aria-label": name });
  whenExpired(audio, attachment, () => { audio.src = attachment.url; });
  return h("figure", { class: "attachment audio" }, h("figcaption", {}, name, h("span", { class: "file-meta" }, ` · ${humanSize(attachment.size)}`)), audio);
}

function fileView(attachment) {
  const name = String(attachment.name ?? "");
  const link = h("a", { class: "attachment file", href: attachment.url, download: name || true },
    h("span", { class: "file-badge", "aria-hidden": "true" }, extension(name)),
    h("span", { class: "file-info" },
      h("span", { class: "file-name" }, name),
      h("span", { class: "file-meta" }, [humanSize(attachment.size), String(attachment.type ?? "")].filter(Boolean).join(" · "))));
  followFresh(link, attachment, () => {
    link.href = attachment.url;
    link.click();
  });
  return link;
}

// Links are signed for an hour. A preview or player that fails to load asks for fresh ones
// once; a click on a link about to expire gets fresh ones first.

async function renew(attachment) {
  const fresh = await api.attachment(attachment.id);
  Object.assign(attachment, fresh);
}

function whenExpired(element, attachment, apply) {
  let renewed = false;
  element.addEventListener("error", async () => {
    if (renewed || !Number.isSafeInteger(attachment.id)) return;
    renewed = true;
    try {
      await renew(attachment);
      apply();
    } catch {
      element.closest(".attachment")?.classList.add("unavailable");
    }
  });
}

function expiresSoon(url) {
  try {
    const expires = Number(new URL(url, location.href).searchParams.get("expires"));
    return expires > 0 && expires * 1000 < Date.now() + 60000;
  } catch {
    return false;
  }
}

function followFresh(link, attachment, follow) {
  let renewing = false;
  link.addEventListener("click", async (event) => {
    if (!expiresSoon(link.href) || !Number.isSafeInteger(attachment.id)) return;
    event.preventDefault();
    if (renewing) return;
    renewing = true;
    try {
      await renew(attachment);
      follow();
    } catch (error) {
      toast(`The file could not be opened: ${error.message}`);
    } finally {
      renewing = false;
    }
  });
}
