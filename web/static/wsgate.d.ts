// Types for wsgate.js, the reconnecting WebSocket client bundled with wsgate.

/** How the client draws its reconnect delays. */
export type Jitter = 'full' | 'none';

/** Why a reconnect was scheduled (the cause of reconnectscheduled). */
export type ReconnectCause =
  | 'closed_by_server'   // 1000 / 1001
  | 'connection_lost'    // 1006 after open
  | 'handshake_failed'   // 1006 before open: refused, rate limited or down
  | 'timeout'            // no open within timeoutInterval
  | 'server_error'       // 1011
  | 'server_restart'     // 1012
  | 'rate_limited'       // 4429, or 429 from the token endpoint
  | 'over_capacity'      // 4503
  | 'bad_token'          // 4401: one retry with a fresh token
  | 'session_expired'    // 4408
  | 'token_error'        // the token request failed otherwise
  | 'client_limit'       // maxAttemptsPerWindow reached
  | 'online'             // resumed after being offline
  | 'visible'            // resumed after the page was hidden
  | `closed_${number}`;  // any other close code

/** Why the client gave up (the cause of giveup). */
export type GiveUpCause =
  | 'max_attempts'
  | 'unsupported_data'   // 1003
  | 'invalid_data'       // 1007
  | 'policy_violation'   // 1008
  | 'message_too_big'    // 1009
  | 'forbidden'          // 4403, or 403 from the token endpoint
  | 'bad_token'          // 4401 twice
  | 'unauthorized'       // 401 from the token endpoint
  | 'invalid_url';

/** What getToken receives. */
export interface TokenRequest {
  /** The absolute ws: or wss: URL being connected to. */
  url: string;
  /** Its path, e.g. "/ws/chat": what a token should be bound to. */
  endpoint: string;
  /** The reconnect attempt about to be made (0 for the first connection). */
  attempt: number;
}

/** Options of ReconnectingWebSocket; every field is optional. */
export interface Options {
  // The old client's options, with the same meaning and defaults.
  /** Log decisions to console.debug. Default false. */
  debug?: boolean;
  /** Connect from the constructor; otherwise call open(). Default true. */
  automaticOpen?: boolean;
  /** First backoff step in ms. Default 1000. */
  reconnectInterval?: number;
  /** Backoff cap in ms. Default 30000. */
  maxReconnectInterval?: number;
  /** Backoff growth per attempt. Default 1.5. */
  reconnectDecay?: number;
  /** A handshake not open after this many ms is closed and retried. Default 2000; 0 disables. */
  timeoutInterval?: number;
  /** Reconnect attempts before giving up; null for no limit, 0 for none. Default null. */
  maxReconnectAttempts?: number | null;
  /** Binary type of every socket. Default "blob". */
  binaryType?: BinaryType;

  // wsgate's additions.
  /** "full": delays drawn uniformly in [minReconnectInterval, cap]; "none": the old formula. Default "full". */
  jitter?: Jitter;
  /** Floor of jittered delays in ms. Default 500. */
  minReconnectInterval?: number;
  /** A connection must stay open this many ms before the backoff resets. Default 5000. */
  minUptime?: number;
  /** POSTed (with credentials, body {"endpoint": path}) before every attempt for a fresh token. */
  tokenUrl?: string | null;
  /** Called before every attempt for a fresh token; wins over tokenUrl. A falsy answer connects without one. */
  getToken?: ((req: TokenRequest) => string | null | undefined | { token: string } | Promise<string | null | undefined | { token: string }>) | null;
  /** Abort a token request after this many ms. Default 10000. */
  tokenTimeout?: number;
  /** Client-side cap: at most this many attempts in any attemptWindow; null disables. Default 20. */
  maxAttemptsPerWindow?: number | null;
  /** Window of the cap in ms. Default 300000. */
  attemptWindow?: number;
  /** Messages kept while disconnected and sent on open; further sends are dropped. Default 100. */
  maxQueuedMessages?: number;
  /** Hold reconnects while navigator.onLine is false. Default true. */
  pauseWhenOffline?: boolean;
  /** Hold reconnects while document.visibilityState is "hidden". Default true. */
  pauseWhenHidden?: boolean;
  /** POST small error reports; a string is the URL to post to. Default false. */
  reportErrors?: boolean | string;
  /** Where reports go when reportErrors is true. Default "/api/client-errors". */
  errorReportUrl?: string;
  /** Client-side limit on reports. Default 5. */
  maxReportsPerMinute?: number;

  // The environment, injectable for tests and non-browser hosts.
  /** WebSocket constructor, e.g. the ws package in Node. Default globalThis.WebSocket. */
  WebSocket?: new (url: string, protocols?: string | string[]) => WebSocket;
  fetch?: typeof fetch | null;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: any) => void;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
  navigator?: { onLine?: boolean } | null;
  document?: (EventTarget & { visibilityState?: string }) | null;
  /** Where "online" is listened for. Default globalThis when it is an EventTarget. */
  window?: EventTarget | null;
  /** Base for relative URLs. Default globalThis.location. */
  location?: { href: string } | null;
}

/** The defaults of every option. */
export declare const DEFAULTS: Readonly<Required<Omit<Options,
  'WebSocket' | 'fetch' | 'setTimeout' | 'clearTimeout' | 'now' | 'random' | 'navigator' | 'document' | 'window' | 'location'>>>;

/** Fields of every event are also in its detail. */
export interface ConnectingEvent extends Event {
  readonly isReconnect: boolean;
  /** The previous close's code and reason, when reconnecting. */
  readonly code?: number;
  readonly reason?: string;
  readonly wasClean?: boolean;
}
export interface OpenEvent extends Event { readonly isReconnect: boolean }
export interface RWSCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}
export interface RWSErrorEvent extends Event {
  readonly error?: unknown;
  /** HTTP status when a token request failed. */
  readonly status?: number;
}
export interface ReconnectScheduledEvent extends Event {
  /** ms until the next attempt. */
  readonly delay: number;
  /** The attempt's number, 1 for the first reconnect. */
  readonly attempt: number;
  readonly cause: ReconnectCause;
  readonly detail: { delay: number; attempt: number; cause: ReconnectCause };
}
export interface RateLimitedEvent extends Event {
  readonly delay: number;
  /** Who limited: the server on close, the token endpoint, or the client's own cap. */
  readonly source: 'server' | 'token' | 'client';
  readonly cause: 'rate_limited' | 'over_capacity' | 'client_limit';
  readonly hintMs?: number | null;
}
export interface GiveUpEvent extends Event {
  readonly cause: GiveUpCause;
  readonly code?: number;
  readonly reason?: string;
}
export interface PausedEvent extends Event { readonly reason: 'offline' | 'hidden' }

export interface ReconnectingWebSocketEventMap {
  connecting: ConnectingEvent;
  open: OpenEvent;
  message: MessageEvent;
  close: RWSCloseEvent;
  error: RWSErrorEvent;
  reconnectscheduled: ReconnectScheduledEvent;
  ratelimited: RateLimitedEvent;
  giveup: GiveUpEvent;
  paused: PausedEvent;
}

/** A WebSocket that reconnects by itself; a drop-in for the old ReconnectingWebSocket. */
export declare class ReconnectingWebSocket extends EventTarget {
  constructor(url: string | URL, protocols?: string | string[] | null, options?: Options);

  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  /** Log every instance's decisions. */
  static debugAll: boolean;

  /** The absolute ws: or wss: URL. */
  readonly url: string;
  /** Subprotocols offered on every attempt (a token adds "wsgate" and "wsgate.token.<t>"). */
  readonly protocols: string[];
  /** The subprotocol selected on the current connection, or "". */
  readonly protocol: string;
  readonly extensions: string;
  /** CONNECTING while connecting or waiting to reconnect. */
  readonly readyState: 0 | 1 | 2 | 3;
  /** Reconnect attempts since the last healthy connection. */
  readonly reconnectAttempts: number;
  /** Bytes buffered on the socket plus messages waiting in the queue. */
  readonly bufferedAmount: number;
  readonly queuedMessages: number;
  /** "offline" or "hidden" while reconnecting is paused. */
  readonly pausedReason: 'offline' | 'hidden' | null;
  binaryType: BinaryType;

  // The old client's option properties, live.
  debug: boolean;
  automaticOpen: boolean;
  reconnectInterval: number;
  maxReconnectInterval: number;
  reconnectDecay: number;
  timeoutInterval: number;
  maxReconnectAttempts: number | null;

  onconnecting: ((this: ReconnectingWebSocket, ev: ConnectingEvent) => any) | null;
  onopen: ((this: ReconnectingWebSocket, ev: OpenEvent) => any) | null;
  onmessage: ((this: ReconnectingWebSocket, ev: MessageEvent) => any) | null;
  onclose: ((this: ReconnectingWebSocket, ev: RWSCloseEvent) => any) | null;
  onerror: ((this: ReconnectingWebSocket, ev: RWSErrorEvent) => any) | null;
  onreconnectscheduled: ((this: ReconnectingWebSocket, ev: ReconnectScheduledEvent) => any) | null;
  onratelimited: ((this: ReconnectingWebSocket, ev: RateLimitedEvent) => any) | null;
  ongiveup: ((this: ReconnectingWebSocket, ev: GiveUpEvent) => any) | null;
  onpaused: ((this: ReconnectingWebSocket, ev: PausedEvent) => any) | null;

  /** Connect now, or again after close() or giveup; no-op while running. */
  open(): void;
  /** Send now, or queue while disconnected; false when dropped. */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): boolean;
  /** Close for good: cancels pending reconnects and token requests. */
  close(code?: number, reason?: string): void;
  /** Reconnect at once with a fresh token. */
  refresh(): void;

  addEventListener<K extends keyof ReconnectingWebSocketEventMap>(type: K,
    listener: (this: ReconnectingWebSocket, ev: ReconnectingWebSocketEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof ReconnectingWebSocketEventMap>(type: K,
    listener: (this: ReconnectingWebSocket, ev: ReconnectingWebSocketEventMap[K]) => any,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions): void;
}

export default ReconnectingWebSocket;

/** What the client does after a close (SPEC section 6). */
export interface CloseAction {
  action: 'stop' | 'backoff' | 'hint' | 'now' | 'auth';
  cause: string;
  hintMs: number | null;
}
export declare function closeAction(code: number, reason?: string, opened?: boolean): CloseAction;
/** The retry_after_ms of a close reason, or null. */
export declare function parseRetryHint(reason?: string): number | null;
/** A Retry-After header value (seconds or HTTP date) in ms from nowMs, or null. */
export declare function parseRetryAfter(value: string | null | undefined, nowMs?: number): number | null;
/** The delay before reconnect attempt n (0-based). */
export declare function backoffDelay(n: number, options: {
  reconnectInterval: number; maxReconnectInterval: number; reconnectDecay: number;
  minReconnectInterval: number; jitter: Jitter;
}, random?: () => number): number;
/** ms until one more attempt fits at most max attempts in any trailing windowMs; 0 means now. */
export declare function capDelay(times: number[], nowMs: number, max: number | null, windowMs: number): number;
