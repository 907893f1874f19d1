// Test doubles for the client's environment: a manual clock with timers,
// a scripted WebSocket, a scripted fetch and a sequence of random numbers.
// Time only moves when a test says so, so no test sleeps or measures time.

/** FakeClock is a manual clock whose timers run only in advance(). */
export class FakeClock {
  constructor(start = 1_000_000) {
    this.t = start;
    this.timers = new Map(); // id -> {at, fn}
    this.nextId = 1;
    this.now = () => this.t;
    this.setTimeout = (fn, ms = 0) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
      return id;
    };
    this.clearTimeout = (id) => { this.timers.delete(id); };
  }

  /** pending answers the number of armed timers. */
  get pending() { return this.timers.size; }

  /** advance moves time forward by ms, running due timers in order and
   * letting promises settle after each. */
  async advance(ms) {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.timers.delete(next.id);
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }

  /** runNext jumps to the next timer, runs it and answers the time it
   * waited, or null when none is armed. */
  async runNext() {
    await settle();
    const next = this.nextDue(Infinity);
    if (!next) return null;
    const waited = next.at - this.t;
    this.timers.delete(next.id);
    this.t = next.at;
    next.fn();
    await settle();
    return waited;
  }

  nextDue(limit) {
    let best = null;
    for (const [id, tm] of this.timers) {
      if (tm.at <= limit && (!best || tm.at < best.at || (tm.at === best.at && id < best.id))) best = { id, ...tm };
    }
    return best;
  }
}

/** settle lets every pending promise callback run. */
export async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/**
 * fakeSocketClass returns a WebSocket constructor whose instances do what
 * script(socket, index) says right after construction: "open", "fail"
 * (1006 before open), {close: code, reason} (open then close), or nothing
 * ("hang") so the test drives the socket itself.
 */
export function fakeSocketClass(script = () => 'open') {
  const sockets = [];
  class FakeSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols === undefined ? [] : [].concat(protocols);
      this.readyState = 0;
      this.protocol = '';
      this.sent = [];
      this.closedWith = null;
      this.onopen = this.onclose = this.onerror = this.onmessage = null;
      this.index = sockets.length;
      sockets.push(this);
      const step = script(this, this.index);
      queueMicrotask(() => this.play(step));
    }

    play(step) {
      if (step === 'open') this.accept();
      else if (step === 'fail') this.fail();
      else if (step && typeof step === 'object' && 'close' in step) {
        this.accept();
        this.serverClose(step.close, step.reason || '');
      }
    }

    accept() {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      if (this.protocols.includes('wsgate')) this.protocol = 'wsgate';
      this.onopen?.({ type: 'open' });
    }

    fail() {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onerror?.({ type: 'error' });
      this.onclose?.({ type: 'close', code: 1006, reason: '', wasClean: false });
    }

    serverClose(code, reason = '') {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onclose?.({ type: 'close', code, reason, wasClean: true });
    }

    receive(data) { this.onmessage?.({ type: 'message', data }); }

    send(data) {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      this.sent.push(data);
    }

    close(code = 1000, reason = '') {
      if (this.readyState >= 2) return;
      this.closedWith = { code, reason };
      const wasOpen = this.readyState === 1;
      this.readyState = 2;
      queueMicrotask(() => {
        this.readyState = 3;
        this.onclose?.({ type: 'close', code: wasOpen ? code : 1006, reason: wasOpen ? reason : '', wasClean: wasOpen });
      });
    }
  }
  FakeSocket.sockets = sockets;
  return FakeSocket;
}

/** sequence returns a random() that yields values in turn, then repeats the last. */
export function sequence(...values) {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
}

/** recorder collects the events of the given types from target, in order. */
export function recorder(target, types) {
  const events = [];
  for (const type of types) target.addEventListener(type, (ev) => events.push(ev));
  events.of = (type) => events.filter((e) => e.type === type);
  return events;
}

/**
 * fakeFetch answers token requests from answer(n, request): a token
 * string, or {status, headers, body}. It records every request.
 */
export function fakeFetch(answer) {
  const calls = [];
  const fetch = async (url, init) => {
    const n = calls.length;
    calls.push({ url, init, body: init && init.body ? JSON.parse(init.body) : null });
    const a = await answer(n, { url, init });
    const r = typeof a === 'string' ? { status: 200, body: { token: a, expires_in: 60 } } : a;
    const headers = new Map(Object.entries(r.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
    return {
      ok: r.status >= 200 && r.status < 300,
      status: r.status,
      headers: { get: (k) => headers.get(k.toLowerCase()) ?? null },
      json: async () => r.body,
    };
  };
  fetch.calls = calls;
  return fetch;
}
