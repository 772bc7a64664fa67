// The socket's chat_stream: subscribe, then every event once and in seq order. After a drop
// (network, sleep, server restart) it reconnects with a fresh token and resubscribes with the
// last seq it handled, so nothing sent meanwhile is missed; `resync_required` or a new epoch
// means the client reloads over REST and starts from the present.

import { refreshAccess } from "./api.js";

const MAX_DELAY_MS = 15000;

export class ChatStream {
  /**
   * onEvent(event): one event of the log, in order.
   * onReload(): reload everything over REST (first subscribe, resync, new epoch).
   * onStatus(status): "connecting" | "live" | "offline".
   * onTyping({ conversation, user, expires_in_seconds }): someone else is typing (never in the log).
   * onPresence({ user, online, last_seen }): someone who shares a conversation came or went.
   */
  constructor({ onEvent, onReload, onStatus, onTyping, onPresence }) {
    Object.assign(this, { onEvent, onReload, onStatus, onTyping, onPresence });
    this.socket = null;
    this.lastSeq = null;
    this.epoch = null;
    this.reloadOnSubscribed = true;
    this.attempt = 0;
    this.stopped = true;
    this.timer = null;
    this.lastTick = Date.now();
    this.onOnline = () => this.reconnectNow();
    // Back in view with no socket at all (a reconnect waiting out its backoff): try at once.
    this.onVisible = () => { if (document.visibilityState === "visible" && !this.socket) this.reconnectNow(); };
  }

  get isOpen() { return this.socket?.readyState === WebSocket.OPEN; }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    document.addEventListener("visibilitychange", this.onVisible);
    // A laptop waking from sleep may hold a socket that is already dead: timers that ran far
    // late say so, and a fresh socket costs nothing (it resumes from lastSeq).
    // Hidden tabs have their timers slowed on purpose, so only a visible page judges.
    this.sleepWatch = setInterval(() => {
      const now = Date.now();
      if (now - this.lastTick > 20000 && document.visibilityState === "visible") this.reconnectNow();
      this.lastTick = now;
    }, 5000);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    document.removeEventListener("visibilitychange", this.onVisible);
    clearInterval(this.sleepWatch);
    clearTimeout(this.timer);
    this.socket?.close(1000, "signed out");
    this.socket = null;
  }

  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    if (this.socket) {
      const old = this.socket;
      this.socket = null;
      old.close(1000, "reconnecting");
    }
    this.connect();
  }

  async connect() {
    if (this.stopped || this.socket) return;
    this.onStatus("connecting");
    let token;
    try {
      token = await refreshAccess();  // a fresh access token for every connect, as the original's client does
    } catch (error) {
      if (error.status === 401) return;  // signed out
      return this.scheduleReconnect();
    }
    if (this.stopped || this.socket) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws/?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.addEventListener("open", () => this.subscribe());
    socket.addEventListener("message", (message) => this.receive(message.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onStatus("offline");
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    if (this.stopped) return;
    this.onStatus("offline");
    const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Subscribes from the present; once subscribed, the client reloads what the REST API shows. */
  startOver() {
    this.lastSeq = null;
    this.reloadOnSubscribed = true;
    this.subscribe();
  }

  /** A chat_stream action (read, typing); dropped while the socket is down, as typing should be. */
  send(payload) {
    if (this.isOpen) this.socket.send(JSON.stringify({ stream: "chat_stream", payload }));
  }

  subscribe() {
    const payload = { type: "subscribe" };
    if (this.lastSeq !== null) payload.since = this.lastSeq;
    this.socket?.send(JSON.stringify({ stream: "chat_stream", payload }));
  }

  receive(data) {
    let frame;
    try { frame = JSON.parse(data); } catch { return; }
    if (frame.stream !== "chat_stream") return;  // notification_stream is v1's; v2 events say more
    const payload = frame.payload ?? {};
    switch (payload.type) {
      case "subscribed": {
        // The backoff starts over only once a socket has stayed up a while, so a server that
        // closes right after subscribing is not hammered.
        const socket = this.socket;
        setTimeout(() => { if (this.socket === socket && this.isOpen) this.attempt = 0; }, 10000);
        const latest = Number(payload.latest_seq);
        // Another database (a new epoch), or this one restored from an older copy: the seqs
        // this client holds mean nothing there. Start from the present, then reload.
        const elsewhere = (this.epoch !== null && payload.epoch !== this.epoch) || (this.lastSeq !== null && latest < this.lastSeq);
        this.epoch = payload.epoch;
        if (elsewhere) return this.startOver();
        if (this.lastSeq === null) this.lastSeq = Number.isSafeInteger(latest) ? latest : 0;
        this.onStatus("live");
        if (this.reloadOnSubscribed) {
          this.reloadOnSubscribed = false;
          this.onReload();
        }
        break;
      }
      case "event": {
        const event = payload.event;
        if (!event || !Number.isSafeInteger(event.seq) || (this.lastSeq !== null && event.seq <= this.lastSeq)) return;
        this.lastSeq = event.seq;
        this.onEvent(event);
        break;
      }
      case "typing":
        if (Number.isSafeInteger(payload.conversation) && Number.isSafeInteger(payload.user)) this.onTyping?.(payload);
        break;
      case "presence.changed":
        if (Number.isSafeInteger(payload.user) && typeof payload.online === "boolean") this.onPresence?.(payload);
        break;
      case "resync_required":
        // Too far behind for the log.
        this.startOver();
        break;
      default:
        break;
    }
  }
}
