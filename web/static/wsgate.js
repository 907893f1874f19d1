// wsgate.js: the reconnecting WebSocket client bundled with wsgate.
//
// A drop-in for the widely used ReconnectingWebSocket (same constructor,
// options, events and methods) that does not make reconnect storms: it backs
// off with full jitter and a floor, fetches a fresh single-use token before
// every attempt, obeys the server's retry hints, follows wsgate's close-code
// table, caps its own attempts, pauses while offline or hidden and queues
// sends while disconnected. Start from ReconnectingWebSocket; the exported
// helpers (closeAction, parseRetryHint, parseRetryAfter, backoffDelay,
// capDelay) are the pure rules it follows, exported so they can be tested
// and reused.
//
// Dependency-free ES module built on EventTarget: it runs in browsers,
// workers and Node. Everything it touches in its environment (WebSocket,
// fetch, timers, clock, randomness, navigator, document) can be injected
// through the options. Instances are single-threaded like all DOM objects.

/** The defaults of every option; see ReconnectingWebSocket for their meaning. */
export const DEFAULTS = Object.freeze({
  debug: false,
  automaticOpen: true,
  reconnectInterval: 1000,
  maxReconnectInterval: 30000,
  reconnectDecay: 1.5,
  timeoutInterval: 2000,
  maxReconnectAttempts: null,
  binaryType: 'blob',
  jitter: 'full',
  minReconnectInterval: 500,
  minUptime: 5000,
  tokenUrl: null,
  getToken: null,
  tokenTimeout: 10000,
  maxAttemptsPerWindow: 20,
  attemptWindow: 300000,
  maxQueuedMessages: 100,
  pauseWhenOffline: true,
  pauseWhenHidden: true,
  reportErrors: false,
  errorReportUrl: '/api/client-errors',
  maxReportsPerMinute: 5,
});

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

// What the client does after a close, per code (SPEC section 6). Codes not
// listed back off: an unknown application code is no reason to hammer, nor
// to give up for good.
const STOP_CODES = new Map([
  [1003, 'unsupported_data'],
  [1007, 'invalid_data'],
  [1008, 'policy_violation'],
  [1009, 'message_too_big'],
  [4403, 'forbidden'],
]);

/**
 * closeAction decides what the client does after its socket closed with
 * code and reason. opened says whether that socket had opened: a 1006
 * before open is a failed handshake the browser cannot explain (refused,
 * rate limited or down all look alike), so it backs off with jitter.
 *
 * The answer's action is "stop" (give up), "backoff" (exponential backoff
 * with jitter), "hint" (wait hintMs plus jitter, or back off when the
 * reason carries no hint), "now" (reconnect at once with a fresh token) or
 * "auth" (fetch a fresh token once, then stop).
 *
 * @param {number} code
 * @param {string} [reason]
 * @param {boolean} [opened]
 * @returns {{action: "stop"|"backoff"|"hint"|"now"|"auth", cause: string, hintMs: number|null}}
 */
export function closeAction(code, reason = '', opened = true) {
  const hintMs = parseRetryHint(reason);
  const stop = STOP_CODES.get(code);
  if (stop) return { action: 'stop', cause: stop, hintMs: null };
  switch (code) {
    case 1000:
    case 1001:
      return { action: 'backoff', cause: 'closed_by_server', hintMs: null };
    case 1006:
      return opened
        ? { action: 'backoff', cause: 'connection_lost', hintMs: null }
        : { action: 'backoff', cause: 'handshake_failed', hintMs: null };
    case 1011:
      return { action: 'backoff', cause: 'server_error', hintMs: null };
    case 1012:
      return { action: 'hint', cause: 'server_restart', hintMs };
    case 4401:
      return { action: 'auth', cause: 'bad_token', hintMs: null };
    case 4408:
      return { action: 'now', cause: 'session_expired', hintMs: null };
    case 4429:
      return { action: 'hint', cause: 'rate_limited', hintMs };
    case 4503:
      return { action: 'hint', cause: 'over_capacity', hintMs };
    default:
      return { action: 'backoff', cause: opened ? `closed_${code}` : 'handshake_failed', hintMs };
  }
}

/**
 * parseRetryHint reads the retry hint from a close reason: wsgate sends
 * {"retry_after_ms": N}; a reason of the form "retry_after_ms=N" is read
 * too. It answers the hint in milliseconds, or null when there is none or
 * it is not a finite non-negative number.
 *
 * @param {string} [reason]
 * @returns {number|null}
 */
export function parseRetryHint(reason) {
  if (typeof reason !== 'string' || reason === '') return null;
  let value = null;
  if (reason.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(reason);
      if (parsed && typeof parsed === 'object') value = parsed.retry_after_ms;
    } catch {
      // Not JSON after all; try the key=value form below.
    }
  }
  if (value === null || value === undefined) {
    const m = /retry_after_ms"?\s*[:=]\s*"?(\d+(?:\.\d+)?)/.exec(reason);
    if (m) value = Number(m[1]);
  }
  if (typeof value === 'string' && value.trim() !== '') value = Number(value);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return null;
  return Math.ceil(value);
}

/**
 * parseRetryAfter reads an HTTP Retry-After value, either delta seconds or
 * an HTTP date, and answers milliseconds from nowMs (never negative), or
 * null when the value is missing or unreadable.
 *
 * @param {string|null|undefined} value
 * @param {number} [nowMs]
 * @returns {number|null}
 */
export function parseRetryAfter(value, nowMs = Date.now()) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return null; // "-1" would parse as a year
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * backoffDelay is the wait before reconnect attempt n (0-based). The cap is
 * the old client's formula, min(interval * decay^n, maxInterval); with
 * jitter "none" the delay is exactly that, with "full" it is drawn
 * uniformly from [floor, cap] using random() in [0, 1), where the floor is
 * minReconnectInterval (or the cap, when that is lower).
 *
 * @param {number} n
 * @param {{reconnectInterval: number, maxReconnectInterval: number, reconnectDecay: number,
 *   minReconnectInterval: number, jitter: "full"|"none"}} o
 * @param {() => number} [random]
 * @returns {number}
 */
export function backoffDelay(n, o, random = Math.random) {
  const cap = backoffCap(n, o);
  if (o.jitter === 'none') return cap;
  const floor = Math.min(o.minReconnectInterval, cap);
  return floor + random() * (cap - floor);
}

// backoffCap is the old client's delay: the upper bound of the jittered one.
function backoffCap(n, o) {
  return Math.min(o.reconnectInterval * Math.pow(o.reconnectDecay, n), o.maxReconnectInterval);
}

/**
 * capDelay answers how long from nowMs until one more attempt fits the
 * client-side cap: at most max attempts in any trailing window of windowMs
 * (exact: an attempt at t counts while t > now - window). times holds the
 * past attempts' timestamps in ascending order. 0 means "now".
 *
 * @param {number[]} times
 * @param {number} nowMs
 * @param {number|null} max
 * @param {number} windowMs
 * @returns {number}
 */
export function capDelay(times, nowMs, max, windowMs) {
  if (!max || max <= 0) return 0;
  let first = 0;
  while (first < times.length && times[first] <= nowMs - windowMs) first++;
  const recent = times.length - first;
  if (recent < max) return 0;
  return times[times.length - max] + windowMs - nowMs;
}

/**
 * ReconnectingWebSocket is a WebSocket that reconnects by itself.
 *
 * Constructor, options, events and methods are those of the widely used
 * ReconnectingWebSocket, with its known bugs fixed: close() cancels a
 * pending reconnect, open() after close() works, maxReconnectAttempts is
 * exact, close events carry code, reason and wasClean, and send() while
 * reconnecting queues instead of throwing a string.
 *
 * Events: connecting, open (isReconnect), message (data), close (code,
 * reason, wasClean), error, reconnectscheduled (delay, attempt, cause),
 * ratelimited (delay, source, cause), giveup (cause, code, reason), paused
 * (reason). Their fields are both properties of the event and its detail.
 * Each also calls the matching on<type> property when it is a function.
 *
 * @extends EventTarget
 */
export class ReconnectingWebSocket extends EventTarget {
  /**
   * @param {string|URL} url ws:, wss:, http(s): or, in a page, a path such as "/ws/chat"
   * @param {string|string[]|null} [protocols] subprotocols offered on every attempt
   * @param {object} [options] see DEFAULTS and wsgate.d.ts
   */
  constructor(url, protocols, options) {
    super();
    const o = { ...DEFAULTS, ...(options || {}) };
    /** Legacy option properties, readable and writable as on the old client. */
    this.debug = o.debug;
    this.automaticOpen = o.automaticOpen;
    this.reconnectInterval = o.reconnectInterval;
    this.maxReconnectInterval = o.maxReconnectInterval;
    this.reconnectDecay = o.reconnectDecay;
    this.timeoutInterval = o.timeoutInterval;
    this.maxReconnectAttempts = o.maxReconnectAttempts;
    this._binaryType = o.binaryType;
    this._o = o;

    this._WebSocket = o.WebSocket || globalThis.WebSocket;
    this._fetch = o.fetch || (globalThis.fetch ? globalThis.fetch.bind(globalThis) : null);
    this._setTimeout = o.setTimeout || globalThis.setTimeout.bind(globalThis);
    this._clearTimeout = o.clearTimeout || globalThis.clearTimeout.bind(globalThis);
    this._now = o.now || Date.now;
    this._random = o.random || Math.random;
    this._navigator = 'navigator' in o ? o.navigator : globalThis.navigator;
    this._document = 'document' in o ? o.document : globalThis.document;
    this._window = 'window' in o ? o.window : (typeof globalThis.addEventListener === 'function' ? globalThis : null);
    if (typeof this._WebSocket !== 'function') {
      throw new TypeError('ReconnectingWebSocket: no WebSocket constructor; pass options.WebSocket');
    }

    /** The absolute ws: or wss: URL connected to. */
    this.url = resolveSocketUrl(url, this._location());
    /** The subprotocols offered on every attempt (a token adds its own). */
    this.protocols = protocols == null ? [] : [].concat(protocols);
    /** Reconnect attempts since the last healthy connection (reset after minUptime). */
    this.reconnectAttempts = 0;
    /** CONNECTING, OPEN, CLOSING or CLOSED, as on a WebSocket. */
    this.readyState = CONNECTING;
    /** The subprotocol the server selected on the current connection. */
    this.protocol = '';
    // Old-style handler properties; the old client had no-op defaults.
    this.onconnecting = null;
    this.onopen = null;
    this.onmessage = null;
    this.onclose = null;
    this.onerror = null;
    this.onreconnectscheduled = null;
    this.onratelimited = null;
    this.ongiveup = null;
    this.onpaused = null;

    this._ws = null;          // the current socket, or null
    this._gen = 0;            // bumped whenever the current attempt is abandoned
    this._running = false;    // open() was called and neither close() nor giveup since
    this._stopping = false;   // close() was called; the socket's close ends everything
    this._timer = null;       // pending reconnect
    this._connectTimer = null;
    this._uptimeTimer = null;
    this._abort = null;       // AbortController of the token fetch in flight
    this._queue = [];
    this._attempts = [];      // timestamps for the client-side cap
    this._reports = [];       // timestamps of error reports sent
    this._authRetried = false;
    this._everOpened = false; // any socket opened since open()
    this._closeSent = false;  // a close event was fired for the last socket end
    this._lastClose = null;
    this._paused = null;      // "offline" | "hidden" while waiting for the environment
    this._pausedReconnect = false; // whether the paused attempt was a reconnect
    this._onResume = () => this._resume();

    // Open on the next microtask, not here: listeners added right after
    // the constructor then see the first connecting event.
    if (this.automaticOpen) {
      queueMicrotask(() => {
        if (!this._running && this.readyState === CONNECTING) this.open();
      });
    }
  }

  /** The binary type applied to every socket ("blob" or "arraybuffer"). */
  get binaryType() { return this._binaryType; }
  set binaryType(v) {
    this._binaryType = v;
    if (this._ws) setBinaryType(this._ws, v);
  }

  /** Bytes buffered on the current socket plus those waiting in the send queue. */
  get bufferedAmount() {
    let queued = 0;
    for (const d of this._queue) queued += byteSize(d);
    return (this._ws ? this._ws.bufferedAmount || 0 : 0) + queued;
  }

  /** The extensions the server selected on the current connection. */
  get extensions() { return this._ws ? this._ws.extensions || '' : ''; }

  /** Messages waiting in the send queue. */
  get queuedMessages() { return this._queue.length; }

  /** While reconnecting is paused: "offline" or "hidden"; otherwise null. */
  get pausedReason() { return this._paused; }

  /**
   * open connects now, or reconnects after close() or giveup. It does
   * nothing while the client is already connecting, open or waiting.
   */
  open() {
    if (this._running) return;
    this._running = true;
    this._stopping = false;
    this._everOpened = false;
    this._authRetried = false;
    this.reconnectAttempts = 0;
    this._lastClose = null;
    this._setState(CONNECTING);
    if (!this._emit('connecting', { isReconnect: false, code: undefined, reason: undefined })) return;
    this._attempt(false);
  }

  /**
   * send transmits data now when open, or queues it (at most
   * maxQueuedMessages) to be sent, in order, when the next connection opens.
   * It answers whether the data was sent or queued; false means dropped
   * (queue full, or the client was closed).
   *
   * @param {string|ArrayBufferLike|Blob|ArrayBufferView} data
   * @returns {boolean}
   */
  send(data) {
    if (this.readyState === OPEN && this._ws && this._ws.readyState === OPEN) {
      this._ws.send(data);
      return true;
    }
    if (this.readyState === CLOSED || this._stopping) return false;
    if (this._queue.length >= this._o.maxQueuedMessages) {
      this._log('send queue full, message dropped');
      return false;
    }
    this._queue.push(data);
    return true;
  }

  /**
   * close closes the connection for good: it cancels a pending reconnect or
   * token request, drops the send queue and fires close once the socket has
   * closed. open() starts again.
   *
   * @param {number} [code] 1000 by default
   * @param {string} [reason]
   */
  close(code = 1000, reason = '') {
    if (!this._running) {
      if (this.readyState !== CLOSED) this._finish(code, reason, true, true);
      return;
    }
    this._stopping = true;
    this._queue = [];
    const ws = this._ws;
    if (ws && (ws.readyState === OPEN || ws.readyState === CONNECTING)) {
      // A live socket means no timer and no token request is pending: let
      // the socket's own close event end everything.
      this._setState(CLOSING);
      this._clearTimer('_connectTimer');
      this._clearTimer('_uptimeTimer');
      closeQuietly(ws, code, reason);
      return;
    }
    this._finish(code, reason, true, true);
  }

  /**
   * refresh closes the current connection and reconnects at once with a
   * fresh token; while waiting to reconnect, it reconnects now.
   */
  refresh() {
    if (!this._running || this._stopping) return;
    this._cancelWaits();
    const ws = this._detach();
    if (ws) closeQuietly(ws, 1000, 'refresh');
    if (this.readyState === OPEN) {
      this._setState(CONNECTING);
      if (!this._emit('close', { code: 1000, reason: 'refresh', wasClean: true })) return;
      if (!this._emit('connecting', { isReconnect: true, code: 1000, reason: 'refresh' })) return;
    }
    this._attempt(true);
  }

  // _attempt starts one connection attempt: client-side cap, pause checks,
  // a fresh token, then the socket.
  async _attempt(isReconnect) {
    const gen = ++this._gen;
    if (this._shouldPause(isReconnect)) return;
    const now = this._now();
    const wait = capDelay(this._attempts, now, this._o.maxAttemptsPerWindow, this._o.attemptWindow);
    if (wait > 0) {
      const delay = wait + this._random() * this._o.minReconnectInterval;
      if (!this._emit('ratelimited', { delay, source: 'client', cause: 'client_limit' })) return;
      this._wait(delay, 'client_limit', isReconnect);
      return;
    }
    this._attempts.push(now);
    this._attempts = this._attempts.filter((t) => t > now - this._o.attemptWindow);

    let token = null;
    if (this._o.getToken || this._o.tokenUrl) {
      try {
        token = await this._fetchToken();
      } catch (err) {
        if (gen !== this._gen) return;
        this._tokenFailed(err);
        return;
      }
      if (gen !== this._gen) return;
    }
    this._openSocket(token, isReconnect);
  }

  // _openSocket creates the socket and wires its events to this attempt.
  _openSocket(token, isReconnect) {
    const protocols = this.protocols.slice();
    if (token) {
      for (const p of ['wsgate', `wsgate.token.${token}`]) if (!protocols.includes(p)) protocols.push(p);
    }
    let ws;
    try {
      ws = protocols.length ? new this._WebSocket(this.url, protocols) : new this._WebSocket(this.url);
    } catch (err) {
      this._emit('error', { error: err });
      this._giveUp('invalid_url', undefined, String(err && err.message || err));
      return;
    }
    this._ws = ws;
    setBinaryType(ws, this._binaryType);
    const gen = this._gen;
    let opened = false;
    this._log('connecting', this.url, 'attempt', this.reconnectAttempts);

    if (this.timeoutInterval > 0) {
      this._connectTimer = this._setTimeout(() => {
        if (gen !== this._gen || opened) return;
        this._log('connection timed out');
        this._report('connect_timeout', 0, null);
        this._detach();
        closeQuietly(ws, 1000, 'timeout');
        this._afterClose({ code: 1006, reason: 'timeout', wasClean: false }, false, 'timeout', isReconnect);
      }, this.timeoutInterval);
    }
    ws.onopen = () => {
      if (gen !== this._gen) return;
      opened = true;
      this._opened(ws, isReconnect);
    };
    ws.onmessage = (ev) => {
      if (gen !== this._gen) return;
      this._emit('message', { data: ev.data, origin: ev.origin, lastEventId: ev.lastEventId || '' }, 'message');
    };
    ws.onerror = (ev) => {
      if (gen !== this._gen) return;
      this._emit('error', { error: ev && ev.error, message: ev && ev.message });
    };
    ws.onclose = (ev) => {
      if (gen !== this._gen) return;
      this._detach();
      const info = { code: ev.code || 1005, reason: ev.reason || '', wasClean: !!ev.wasClean };
      this._afterClose(info, opened, null, isReconnect);
    };
  }

  // _opened runs when a socket opens: flush the queue, then tell the page.
  _opened(ws, isReconnect) {
    this._clearTimer('_connectTimer');
    this.protocol = ws.protocol || '';
    this._everOpened = true;
    this._closeSent = false;
    if (this._stopping) return;
    this._setState(OPEN);
    // The counter resets only after minUptime: a server that accepts and
    // drops at once must not turn backoff into a hammer.
    this._uptimeTimer = this._setTimeout(() => {
      this._uptimeTimer = null;
      this.reconnectAttempts = 0;
      this._authRetried = false;
    }, this._o.minUptime);
    const queued = this._queue;
    this._queue = [];
    for (const data of queued) ws.send(data);
    this._log('open', this.url);
    this._emit('open', { isReconnect });
  }

  // _afterClose decides what follows the end of a socket: the end of
  // everything after close(), or the close-code table of SPEC section 6.
  _afterClose(info, opened, forcedCause, isReconnect) {
    this._clearTimer('_connectTimer');
    this._clearTimer('_uptimeTimer');
    this.protocol = '';
    this._log('closed', info.code, info.reason);
    if (this._stopping) {
      this._finish(info.code, info.reason, info.wasClean, true);
      return;
    }
    const decision = forcedCause
      ? { action: 'backoff', cause: forcedCause, hintMs: null }
      : closeAction(info.code, info.reason, opened);
    this._lastClose = info;
    // Like the old client: close fires when a connection ends and when the
    // very first attempt fails, not for every failed reconnect.
    this._closeSent = false;
    if (opened || (!isReconnect && !this._everOpened)) {
      this._closeSent = true;
      if (!this._emit('close', info)) return; // the page closed or refreshed
    }
    if (opened && info.code === 1006) this._report('connection_lost', info.code, null);
    if (info.code === 1011) this._report('server_error', info.code, null);
    if (decision.action === 'auth') {
      if (this._authRetried || !(this._o.getToken || this._o.tokenUrl)) {
        this._giveUp(decision.cause, info.code, info.reason);
        return;
      }
      this._authRetried = true;
    }
    if (decision.action === 'stop') {
      this._giveUp(decision.cause, info.code, info.reason);
      return;
    }
    this._setState(CONNECTING);
    if (!this._emit('connecting', { isReconnect: true, code: info.code, reason: info.reason, wasClean: info.wasClean })) return;
    this._schedule(decision.cause, decision.action, decision.hintMs);
  }

  // _tokenFailed handles a failed token request: 401/403 stop, 429 waits
  // the hint, anything else backs off.
  _tokenFailed(err) {
    const status = err && err.status;
    this._log('token request failed', status || err);
    if (!this._emit('error', { error: err, status })) return;
    if (status === 401 || status === 403) {
      this._giveUp(status === 401 ? 'unauthorized' : 'forbidden', undefined, err.message);
      return;
    }
    if (status === 429) {
      this._schedule('rate_limited', 'hint', err.retryAfterMs ?? null, 'token');
      return;
    }
    this._report('token_error', status || 0, null);
    this._schedule('token_error', 'backoff', null);
  }

  // _schedule computes the next delay and waits, or gives up when the
  // attempts are spent. source names who rate limited ("server", "token").
  _schedule(cause, action, hintMs, source = 'server') {
    const max = this.maxReconnectAttempts;
    if (max !== null && max !== undefined && this.reconnectAttempts >= max) {
      this._giveUp('max_attempts', this._lastClose && this._lastClose.code, this._lastClose && this._lastClose.reason);
      return;
    }
    const o = this._options();
    const n = this.reconnectAttempts;
    let delay;
    if (action === 'now') {
      delay = o.jitter === 'none' ? 0 : this._random() * o.minReconnectInterval;
    } else if (action === 'auth') {
      delay = o.jitter === 'none' ? o.minReconnectInterval : backoffDelay(0, o, this._random);
    } else if (action === 'hint' && hintMs !== null && hintMs !== undefined) {
      // A hint handed to many clients at once would synchronize them: add
      // jitter on top, bounded by both the backoff cap and the hint.
      const spread = Math.min(backoffCap(n, o), Math.max(hintMs, o.minReconnectInterval));
      delay = o.jitter === 'none' ? Math.max(hintMs, backoffCap(n, o)) : hintMs + this._random() * spread;
    } else {
      delay = backoffDelay(n, o, this._random);
    }
    // Never plan an attempt the client-side cap would refuse.
    const capped = capDelay(this._attempts, this._now() + delay, o.maxAttemptsPerWindow, o.attemptWindow);
    if (capped > 0) {
      delay += capped + this._random() * o.minReconnectInterval;
      cause = 'client_limit';
      source = 'client';
    }
    this.reconnectAttempts = n + 1;
    if (cause === 'rate_limited' || cause === 'client_limit' || cause === 'over_capacity') {
      if (!this._emit('ratelimited', { delay, source, cause, hintMs: hintMs ?? null })) return;
      if (source === 'token') this._report('rate_limited', 429, delay);
      else if (source === 'server') this._report('rate_limited', this._lastClose ? this._lastClose.code : 0, delay);
    }
    this._wait(delay, cause, true);
  }

  // _wait announces and arms the reconnect timer.
  _wait(delay, cause, isReconnect) {
    delay = Math.max(0, Math.round(delay));
    this._log('reconnecting in', delay, 'ms,', cause);
    // Armed before the event, so that close() in a listener cancels it.
    this._timer = this._setTimeout(() => {
      this._timer = null;
      this._attempt(isReconnect);
    }, delay);
    this._emit('reconnectscheduled', { delay, attempt: this.reconnectAttempts, cause });
  }

  // _shouldPause holds reconnects while the environment says they are
  // pointless: offline, or (for reconnects) a hidden page. The online and
  // visibilitychange events resume.
  _shouldPause(isReconnect) {
    let reason = null;
    if (this._o.pauseWhenOffline && this._navigator && this._navigator.onLine === false) reason = 'offline';
    else if (isReconnect && this._o.pauseWhenHidden && this._document && this._document.visibilityState === 'hidden') reason = 'hidden';
    if (!reason) return false;
    if (!this._paused) {
      this._paused = reason;
      this._pausedReconnect = isReconnect;
      if (this._window) this._window.addEventListener('online', this._onResume);
      if (this._document && this._document.addEventListener) this._document.addEventListener('visibilitychange', this._onResume);
      this._log('paused:', reason);
      this._emit('paused', { reason });
    }
    return true;
  }

  // _resume runs on online and visibilitychange; it retries with a jittered
  // delay, since a network coming back wakes many clients at once.
  _resume() {
    if (!this._paused || !this._running || this._stopping) return;
    const isOffline = this._o.pauseWhenOffline && this._navigator && this._navigator.onLine === false;
    const isHidden = this._o.pauseWhenHidden && this._document && this._document.visibilityState === 'hidden';
    if (isOffline || isHidden) return;
    const reason = this._paused;
    this._unpause();
    this._wait(backoffDelay(0, this._options(), this._random), reason === 'offline' ? 'online' : 'visible', this._pausedReconnect);
  }

  _unpause() {
    if (!this._paused) return;
    this._paused = null;
    if (this._window) this._window.removeEventListener('online', this._onResume);
    if (this._document && this._document.removeEventListener) this._document.removeEventListener('visibilitychange', this._onResume);
  }

  // _fetchToken gets a fresh token from getToken() or a POST to tokenUrl.
  // A 429 carries the wait in retryAfterMs (Retry-After, or the body's
  // retry_after in seconds).
  async _fetchToken() {
    const endpoint = new URL(this.url).pathname;
    if (this._o.getToken) {
      const got = await this._o.getToken({ url: this.url, endpoint, attempt: this.reconnectAttempts });
      if (got && typeof got === 'object') return got.token || null;
      return got || null;
    }
    if (!this._fetch) throw new Error('token: no fetch available; pass options.fetch');
    this._abort = typeof AbortController === 'function' ? new AbortController() : null;
    const abort = this._abort;
    const timer = abort ? this._setTimeout(() => abort.abort(), this._o.tokenTimeout) : null;
    try {
      const res = await this._fetch(resolveHttpUrl(this._o.tokenUrl, this._location(), this.url), {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ endpoint }),
        signal: abort ? abort.signal : undefined,
      });
      let body = null;
      try { body = await res.json(); } catch { body = null; }
      if (!res.ok) {
        const err = new Error(`token: ${res.status} ${(body && (body.message || body.error)) || ''}`.trim());
        err.status = res.status;
        let hint = parseRetryAfter(res.headers && res.headers.get ? res.headers.get('Retry-After') : null, this._now());
        if (hint === null && body && typeof body.retry_after === 'number') hint = Math.ceil(body.retry_after * 1000);
        err.retryAfterMs = hint;
        throw err;
      }
      if (!body || typeof body.token !== 'string' || body.token === '') throw new Error('token: answer has no token');
      return body.token;
    } finally {
      if (timer !== null) this._clearTimeout(timer);
      if (this._abort === abort) this._abort = null;
    }
  }

  _giveUp(cause, code, reason) {
    this._log('giving up:', cause);
    this._report('giveup', code || 0, null);
    this._finish(code, reason, false, false, { cause, code, reason });
  }

  // _finish makes the client CLOSED for good, then fires giveup (when
  // giving up) and its last close, unless a close was already fired for the
  // same socket. State changes come first, so a listener may call open().
  _finish(code, reason, wasClean, byPage = false, giveup = null) {
    const alreadySent = !byPage && this._closeSent;
    this._running = false;
    this._stopping = false;
    this._cancelWaits();
    this._queue = [];
    this._detach();
    this._setState(CLOSED);
    if (giveup && !this._emit('giveup', giveup)) return;
    if (!alreadySent) this._emit('close', { code: code ?? 1000, reason: reason || '', wasClean: !!wasClean });
  }

  _cancelWaits() {
    this._gen++;
    this._clearTimer('_timer');
    this._clearTimer('_connectTimer');
    this._clearTimer('_uptimeTimer');
    if (this._abort) { this._abort.abort(); this._abort = null; }
    this._unpause();
  }

  // _detach unhooks the current socket so its late events are ignored.
  _detach() {
    const ws = this._ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      // A no-op, not null: Node's ws throws an 'error' nobody listens to.
      ws.onerror = noop;
      this._ws = null;
    }
    return ws;
  }

  _clearTimer(name) {
    if (this[name] !== null && this[name] !== undefined) {
      this._clearTimeout(this[name]);
      this[name] = null;
    }
  }

  _setState(s) { this.readyState = s; }

  // _options reads the legacy option properties live, so a page that sets
  // rws.reconnectInterval later is obeyed as with the old client.
  _options() {
    return {
      reconnectInterval: this.reconnectInterval,
      maxReconnectInterval: this.maxReconnectInterval,
      reconnectDecay: this.reconnectDecay,
      minReconnectInterval: this._o.minReconnectInterval,
      jitter: this._o.jitter,
      maxAttemptsPerWindow: this._o.maxAttemptsPerWindow,
      attemptWindow: this._o.attemptWindow,
    };
  }

  _location() {
    return 'location' in this._o ? this._o.location : globalThis.location;
  }

  // _report posts a small error report when reportErrors is on, at most
  // maxReportsPerMinute a minute, and never lets it fail the client.
  _report(kind, code, delay) {
    if (!this._o.reportErrors || !this._fetch) return;
    const now = this._now();
    this._reports = this._reports.filter((t) => t > now - 60000);
    if (this._reports.length >= this._o.maxReportsPerMinute) return;
    this._reports.push(now);
    const url = resolveHttpUrl(typeof this._o.reportErrors === 'string' ? this._o.reportErrors : this._o.errorReportUrl,
      this._location(), this.url);
    const body = JSON.stringify({ kind, code: code || 0, delay: delay === null ? null : Math.round(delay), attempt: this.reconnectAttempts });
    try {
      Promise.resolve(this._fetch(url, {
        method: 'POST', credentials: 'same-origin', keepalive: true,
        headers: { 'Content-Type': 'application/json' }, body,
      })).catch(() => {});
    } catch {
      // Reports are best effort.
    }
  }

  // _emit dispatches one event; its fields are properties and detail. It
  // answers false when a listener abandoned the current attempt (close(),
  // refresh(), open()), so the caller stops.
  _emit(type, fields, kind) {
    const gen = this._gen;
    let ev;
    if (kind === 'message' && typeof MessageEvent === 'function') {
      ev = new MessageEvent('message', { data: fields.data, origin: fields.origin || '', lastEventId: fields.lastEventId });
    } else {
      ev = typeof CustomEvent === 'function' ? new CustomEvent(type, { detail: fields }) : new Event(type);
      for (const [k, v] of Object.entries(fields)) {
        if (!(k in ev)) Object.defineProperty(ev, k, { value: v, enumerable: true });
      }
    }
    const handler = this['on' + type];
    if (typeof handler === 'function') {
      try { handler.call(this, ev); } catch (err) { rethrowLater(err); }
    }
    this.dispatchEvent(ev);
    return gen === this._gen;
  }

  _log(...args) {
    if (this.debug || ReconnectingWebSocket.debugAll) console.debug('ReconnectingWebSocket', ...args);
  }
}

/** Set to true to log every instance's decisions to console.debug. */
ReconnectingWebSocket.debugAll = false;
for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  Object.defineProperty(ReconnectingWebSocket, name, { value, enumerable: true });
  Object.defineProperty(ReconnectingWebSocket.prototype, name, { value, enumerable: true });
}

export default ReconnectingWebSocket;

// resolveSocketUrl turns a path or an http(s) URL into a ws(s) URL.
function resolveSocketUrl(url, location) {
  const base = location && location.href ? location.href : undefined;
  const u = new URL(String(url), base);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.href;
}

// resolveHttpUrl resolves a token or report URL against the page, or,
// outside a page, against the socket's origin.
function resolveHttpUrl(url, location, socketUrl) {
  if (location && location.href) return new URL(url, location.href).href;
  const origin = new URL(socketUrl);
  origin.protocol = origin.protocol === 'wss:' ? 'https:' : 'http:';
  return new URL(url, origin.href).href;
}

function noop() {}

// byteSize is the size of one queued message, as bufferedAmount counts it.
function byteSize(d) {
  if (typeof d === 'string') return new TextEncoder().encode(d).length;
  if (d && typeof d.byteLength === 'number') return d.byteLength;
  if (d && typeof d.size === 'number') return d.size;
  return 0;
}

function setBinaryType(ws, type) {
  try { ws.binaryType = type; } catch { /* not supported by this WebSocket */ }
}

function closeQuietly(ws, code, reason) {
  try { ws.close(code, reason); } catch { try { ws.close(); } catch { /* already closed */ } }
}

function rethrowLater(err) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
  else setTimeout(() => { throw err; }, 0);
}
