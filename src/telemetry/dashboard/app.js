// tickwire dashboard: plain browser JavaScript, no build step, no network dependencies.
// Talks to the telemetry server's /ws/stream on the same origin (protocol: src/telemetry/protocol.ts,
// docs/telemetry.md). Everything the server sends is rendered with textContent (never as HTML).
'use strict';

(() => {
  // ---- configuration --------------------------------------------------------------------------
  const SUBPROTOCOL = 'tickwire.v1';
  const TOKEN_PREFIX = 'tickwire.token.';
  const CHART_WINDOW_MS = 3 * 60 * 1000; // the price chart shows the last 3 minutes
  const MAX_PRICE_POINTS = 2000;
  const MAX_MARKS = 300;
  const MAX_ORDER_ROWS = 200;
  const MAX_SIGNALS = 100;
  const MAX_LOGS = 200;
  const MAX_LATENCY_SAMPLES = 1000; // per component, for the histograms
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10_000;
  const COMMAND_RETRY_MS = [1000, 2000, 4000, 5000]; // then every 5 s until ACK or ERROR
  const SILENCE_PING_MS = 10_000; // nothing received for this long: send PING
  const SILENCE_DROP_MS = 20_000; // still nothing: treat the connection as dead and reconnect

  // ?token=… is read once, kept for this tab in sessionStorage (so a reload still works) and removed
  // from the address bar, so it does not stay in the history or in screenshots.
  const TOKEN_KEY = 'tickwire.token';
  const params = new URLSearchParams(location.search);
  let token = params.get('token');
  try {
    if (token !== null) {
      sessionStorage.setItem(TOKEN_KEY, token);
      params.delete('token');
      const qs = params.toString();
      history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}${location.hash}`);
    } else {
      token = sessionStorage.getItem(TOKEN_KEY);
    }
  } catch {
    /* storage disabled: the token lives in the URL only */
  }
  const sessionTag = Math.random().toString(36).slice(2, 8);

  const $ = (id) => {
    const el = document.getElementById(id);
    if (el === null) throw new Error(`dashboard: #${id} missing`);
    return el;
  };

  // ---- state ----------------------------------------------------------------------------------
  const S = {
    ws: null,
    connected: false,
    everConnected: false,
    attempt: 0,
    reconnectAt: 0,
    reconnectTimer: 0,
    lastRecv: 0,
    pingSent: false,
    seq: null, // last seq seen (resume with ?since=)
    role: null,
    symbol: null, // SUBSCRIBE {symbol} choice (null: the server's default)
    chartSymbol: null, // the symbol the chart shows (from TELEMETRY market.symbol)
    config: { venues: [], symbols: [] },
    status: 'INITIALIZING',
    statusKnown: false,
    haltReason: null,
    market: null,
    portfolio: null,
    positions: [],
    approvedSize: null,
    currentSignal: null,
    updatedAt: 0,
    prices: [], // {t, p}
    whales: [], // {t, p, side, qty}
    fillMarks: [], // {t, p, side}
    statusMarks: [], // {t, status}
    orderRows: [], // newest first: {key, ts, kind, symbol, side, qty, price, text}
    orderKeys: new Set(),
    signals: [], // newest first
    signalKeys: new Set(),
    logs: [], // newest first
    logKeys: new Set(),
    components: {},
    latency: new Map(), // component -> number[] (ms samples, newest last)
    pending: new Map(), // command id -> {msg, label, tries, timer}
    commandSeq: 0,
    whaleCount: 0,
    dirty: new Set(),
  };

  // ---- formatting -----------------------------------------------------------------------------
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  function fmtPrice(p) {
    if (!isNum(p)) return '–';
    const a = Math.abs(p);
    const digits = a >= 1000 ? 2 : a >= 1 ? 4 : 6;
    return p.toLocaleString('en-US', { minimumFractionDigits: Math.min(2, digits), maximumFractionDigits: digits });
  }
  function fmtMoney(v, signed) {
    if (!isNum(v)) return '–';
    const s = Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    if (!signed) return v < 0 ? `-${s}` : s;
    return v > 0 ? `+${s}` : v < 0 ? `-${s}` : s;
  }
  function fmtPct(v, digits = 2) {
    return isNum(v) ? `${(v * 100).toFixed(digits)} %` : '–';
  }
  function fmtNum(v) {
    if (!isNum(v)) return '–';
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a < 1e-4 || a >= 1e7) return v.toExponential(2);
    return v.toFixed(a >= 100 ? 1 : a >= 1 ? 3 : 5);
  }
  function fmtQty(v) {
    return isNum(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 8 }) : '–';
  }
  function fmtMs(v) {
    if (!isNum(v)) return '–';
    if (v >= 100) return v.toFixed(0);
    if (v >= 1) return v.toFixed(2);
    return v.toFixed(3);
  }
  function fmtTime(ts) {
    if (!isNum(ts)) return '';
    const d = new Date(ts);
    const p2 = (n) => String(n).padStart(2, '0');
    return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  }
  const REGIMES = { gaussian: 'Gaussian', 'levy-stable': 'Lévy stable', critical: 'critical' };
  const signClass = (v) => (isNum(v) && v > 0 ? 'pos' : isNum(v) && v < 0 ? 'neg' : '');

  // ---- connection -----------------------------------------------------------------------------
  function streamUrl() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = new URLSearchParams();
    if (S.seq !== null) q.set('since', String(S.seq));
    if (S.symbol !== null) q.set('symbol', S.symbol);
    const qs = q.toString();
    return `${proto}//${location.host}/ws/stream${qs ? `?${qs}` : ''}`;
  }

  function connect() {
    S.reconnectTimer = 0;
    let ws;
    try {
      // The token rides in the Sec-WebSocket-Protocol header (browsers cannot set Authorization).
      ws = new WebSocket(streamUrl(), token !== null ? [SUBPROTOCOL, TOKEN_PREFIX + token] : [SUBPROTOCOL]);
    } catch (err) {
      // e.g. a token with characters a subprotocol cannot carry: no point in retrying.
      setConn('failed', `cannot connect: ${err && err.message ? err.message : String(err)}`);
      showDisconnected(`Cannot open the stream: ${err && err.message ? err.message : String(err)}`);
      return;
    }
    S.ws = ws;
    setConn('connecting', S.everConnected ? 'reconnecting…' : 'connecting…');
    ws.onopen = () => {
      if (S.ws !== ws) return;
      S.connected = true;
      S.everConnected = true;
      S.attempt = 0;
      S.lastRecv = Date.now();
      S.pingSent = false;
      setConn('open', 'live');
      hideDisconnected();
      // Commands that were not acknowledged before the connection dropped go out again.
      for (const p of S.pending.values()) sendPending(p);
    };
    ws.onmessage = (ev) => {
      if (S.ws !== ws) return;
      S.lastRecv = Date.now();
      S.pingSent = false;
      if (typeof ev.data !== 'string') return;
      let pkt;
      try {
        pkt = JSON.parse(ev.data);
      } catch {
        addLog({ ts: Date.now(), level: 'warn', message: 'dashboard: a packet that is not JSON was ignored' });
        return;
      }
      try {
        onPacket(pkt);
      } catch (err) {
        addLog({ ts: Date.now(), level: 'error', message: `dashboard: packet ${String(pkt && pkt.type)} not handled: ${err && err.message}` });
      }
      scheduleRender();
    };
    ws.onclose = (ev) => {
      if (S.ws !== ws) return;
      onDisconnected(ev.code, ev.reason);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  function onDisconnected(code, reason) {
    const ws = S.ws;
    S.ws = null;
    S.connected = false;
    if (ws !== null) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** S.attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    S.attempt += 1;
    S.reconnectAt = Date.now() + delay;
    const why = code === 1013 ? 'dropped as a slow consumer' : code === 1008 || code === 1003 ? `refused (${reason || code})` : code ? `closed (${code}${reason ? `: ${reason}` : ''})` : 'closed';
    setConn('closed', 'disconnected');
    showDisconnected(`Connection ${why}.`);
    clearTimeout(S.reconnectTimer);
    S.reconnectTimer = setTimeout(connect, delay);
    updateCountdown();
  }

  function setConn(state, text) {
    const el = $('conn');
    el.dataset.state = state;
    el.textContent = text;
    el.className = `badge ${state === 'open' ? 'badge-on' : state === 'connecting' ? 'badge-init' : 'badge-off'}`;
  }

  let disconnectedWhy = '';
  function showDisconnected(why) {
    disconnectedWhy = why;
    document.body.classList.add('disconnected');
    $('disconnected').hidden = false;
    updateCountdown();
  }
  function hideDisconnected() {
    document.body.classList.remove('disconnected');
    $('disconnected').hidden = true;
  }
  function updateCountdown() {
    if (S.connected) return;
    const el = $('disconnected-detail');
    if (S.reconnectTimer) {
      const s = Math.max(0, Math.ceil((S.reconnectAt - Date.now()) / 1000));
      el.textContent = `${disconnectedWhy} Reconnecting in ${s} s (attempt ${S.attempt}).`;
    } else if (S.ws !== null) {
      el.textContent = `${disconnectedWhy} Reconnecting now…`;
    } else {
      el.textContent = disconnectedWhy;
    }
  }

  // Liveness: TELEMETRY arrives several times a second; silence means a dead path (a half-open TCP
  // connection after sleep or a network change). PING first, then give up and reconnect.
  setInterval(() => {
    updateCountdown();
    if (!S.connected || S.ws === null) return;
    const quiet = Date.now() - S.lastRecv;
    if (quiet > SILENCE_DROP_MS) {
      onDisconnected(0, '');
      showDisconnected(`No data for ${Math.round(quiet / 1000)} s.`);
    } else if (quiet > SILENCE_PING_MS && !S.pingSent) {
      S.pingSent = true;
      safeSend({ type: 'PING', id: nextId('ping') });
    }
  }, 1000);

  function safeSend(msg) {
    if (S.ws === null || S.ws.readyState !== WebSocket.OPEN) return false;
    try {
      S.ws.send(JSON.stringify(msg));
      return true;
    } catch {
      return false;
    }
  }

  // ---- commands (retried until ACK or ERROR) --------------------------------------------------
  function nextId(kind) {
    S.commandSeq += 1;
    return `dash-${sessionTag}-${kind}-${S.commandSeq}`;
  }

  function command(type, fields, label) {
    const id = nextId(type.toLowerCase());
    const p = { msg: { type, id, ...fields }, label, tries: 0, timer: 0 };
    S.pending.set(id, p);
    sendPending(p);
    return id;
  }

  function sendPending(p) {
    clearTimeout(p.timer);
    const sent = safeSend(p.msg);
    if (sent) p.tries += 1;
    const wait = COMMAND_RETRY_MS[Math.min(Math.max(p.tries - 1, 0), COMMAND_RETRY_MS.length - 1)];
    p.timer = setTimeout(() => {
      if (S.pending.get(p.msg.id) === p) sendPending(p);
    }, wait);
    if (p.label !== null) {
      if (!sent) commandStatus(`${p.label}: waiting for the connection (will be sent on reconnect)…`, '');
      else if (p.tries > 1) commandStatus(`${p.label}: no ACK yet, sent again (try ${p.tries})…`, '');
      else commandStatus(`${p.label}: sent, waiting for ACK…`, '');
    }
  }

  function settle(id) {
    const p = S.pending.get(id);
    if (p === undefined) return null;
    clearTimeout(p.timer);
    S.pending.delete(id);
    return p;
  }

  // HALT and RESUME: the newest click wins (an unacknowledged older one is dropped).
  function control(type) {
    for (const [id, p] of S.pending) {
      if (p.msg.type === 'HALT' || p.msg.type === 'RESUME') settle(id);
    }
    if (type === 'HALT') command('HALT', { reason: 'operator HALT from the dashboard' }, 'HALT');
    else command('RESUME', {}, 'RESUME');
  }

  function commandStatus(text, kind) {
    const el = $('command-status');
    el.textContent = text;
    el.className = `command-status${kind ? ` ${kind}` : ''}`;
  }

  // Focus on one symbol: SUBSCRIBE {symbol} (TELEMETRY's market block and the events are then that
  // symbol's only); '' goes back to all symbols (the server's default market).
  $('symbol-select').addEventListener('change', (ev) => {
    const v = ev.target.value;
    S.symbol = v === '' ? null : v;
    for (const [id, p] of S.pending) if (p.msg.type === 'SUBSCRIBE') settle(id);
    command('SUBSCRIBE', { symbol: S.symbol }, null);
    resetChart();
    S.chartSymbol = S.symbol;
    S.dirty.add('chart');
    scheduleRender();
  });

  $('halt-btn').addEventListener('click', () => control('HALT'));
  $('resume-btn').addEventListener('click', () => control('RESUME'));

  // ---- packets --------------------------------------------------------------------------------
  function onPacket(pkt) {
    if (pkt === null || typeof pkt !== 'object') return;
    switch (pkt.type) {
      case 'WELCOME':
        S.role = pkt.role ?? null;
        S.seq = isNum(pkt.seq) ? pkt.seq : S.seq;
        applyState(pkt.state, false);
        return;
      case 'RESYNC':
        S.role = pkt.role ?? S.role;
        S.seq = isNum(pkt.seq) ? pkt.seq : S.seq;
        addLog({ ts: Date.now(), level: 'warn', message: `dashboard: RESYNC (${pkt.reason ?? 'state replaced'}): missed packets are not replayable, full state reloaded` });
        applyState(pkt.state, true);
        return;
      case 'TELEMETRY':
        if (!advanceSeq(pkt.seq)) return;
        onTelemetry(pkt);
        return;
      case 'EVENT':
        if (!advanceSeq(pkt.seq)) return;
        onEvent(pkt.channel, pkt.data, pkt.ts);
        return;
      case 'ACK': {
        const p = settle(pkt.id);
        if (p !== null && p.label !== null) {
          commandStatus(`${p.label} acknowledged by the server${p.tries > 1 ? ` (after ${p.tries} tries)` : ''}.`, 'ok');
        }
        return;
      }
      case 'ERROR': {
        const p = pkt.id !== null && pkt.id !== undefined ? settle(pkt.id) : null;
        const text = `${pkt.code ?? 'ERROR'}: ${pkt.message ?? ''}`;
        if (p !== null && p.label !== null) commandStatus(`${p.label} failed — ${text}`, 'error');
        else commandStatus(`Server error — ${text}`, 'error');
        addLog({ ts: Date.now(), level: 'error', message: `server ERROR ${text}` });
        return;
      }
      case 'PONG':
        settle(pkt.id);
        return;
      default:
        return;
    }
  }

  /** false for a packet already seen (replays can overlap what arrived before a drop). */
  function advanceSeq(seq) {
    if (!isNum(seq)) return true;
    if (S.seq !== null && seq <= S.seq) return false;
    S.seq = seq;
    S.dirty.add('seq');
    return true;
  }

  function applyState(st, resync) {
    if (st === null || typeof st !== 'object') return;
    if (st.config && Array.isArray(st.config.symbols)) S.config = { venues: st.config.venues ?? [], symbols: st.config.symbols };
    setStatus(st.status ?? (st.halted ? 'HALT' : S.status), st.haltReason ?? null);
    const markets = Array.isArray(st.markets) ? st.markets : [];
    const m = markets.find((x) => x && x.symbol === (S.symbol ?? S.chartSymbol)) ?? markets[0];
    if (m) onMarket(m, Date.now());
    if (st.portfolio) S.portfolio = st.portfolio;
    if (Array.isArray(st.positions)) S.positions = st.positions;
    if (st.governance && isNum(st.governance.approved_size)) S.approvedSize = st.governance.approved_size;
    if (st.components && typeof st.components === 'object') S.components = st.components;
    if (resync) {
      // What we hold may be missing events: rebuild the lists from the server's state.
      S.orderRows = [];
      S.orderKeys.clear();
    }
    for (const o of Array.isArray(st.openOrders) ? st.openOrders : []) addOrder(o);
    for (const f of Array.isArray(st.fills) ? st.fills : []) addFill(f, false);
    for (const s of Array.isArray(st.signals) ? st.signals : []) addSignal(s);
    for (const l of Array.isArray(st.logs) ? st.logs : []) addLog(l);
    S.orderRows.sort((a, b) => b.ts - a.ts);
    S.updatedAt = Date.now();
    ['seq', 'status', 'market', 'portfolio', 'orders', 'signals', 'logs', 'latency', 'meta'].forEach((k) => S.dirty.add(k));
  }

  function setStatus(status, reason) {
    if (status !== 'ACTIVE' && status !== 'HALT' && status !== 'INITIALIZING') return;
    if (status !== S.status && S.statusKnown) {
      S.statusMarks.push({ t: Date.now(), status });
      if (S.statusMarks.length > 50) S.statusMarks.shift();
    }
    S.status = status;
    S.statusKnown = true;
    if (reason !== undefined) S.haltReason = reason;
    S.dirty.add('status');
  }

  function onTelemetry(t) {
    const ts = isNum(t.timestamp) ? t.timestamp : Date.now();
    setStatus(t.status);
    if (t.market) onMarket(t.market, ts);
    if (t.portfolio) S.portfolio = t.portfolio;
    if (t.governance && isNum(t.governance.approved_size)) S.approvedSize = t.governance.approved_size;
    S.currentSignal = t.signal ?? null;
    if (Array.isArray(t.logs)) for (const l of t.logs) addLog(l);
    if (t.components && typeof t.components === 'object') S.components = t.components;
    S.updatedAt = ts;
    ['market', 'portfolio', 'signals', 'latency', 'status'].forEach((k) => S.dirty.add(k));
  }

  function onMarket(m, ts) {
    // The market view switched symbols (SUBSCRIBE {symbol}): start the chart over.
    if (S.chartSymbol !== null && m.symbol !== S.chartSymbol) resetChart();
    S.chartSymbol = m.symbol ?? S.chartSymbol;
    S.market = m;
    if (isNum(m.price) && m.price > 0) pushPrice(ts, m.price);
    S.dirty.add('market');
    S.dirty.add('chart');
  }

  function resetChart() {
    S.prices = [];
    S.whales = [];
    S.fillMarks = [];
    S.whaleCount = 0;
  }

  function pushPrice(t, p) {
    const last = S.prices[S.prices.length - 1];
    if (last !== undefined && t < last.t) t = last.t; // keep the series monotonic in time
    S.prices.push({ t, p });
    if (S.prices.length > MAX_PRICE_POINTS) S.prices.splice(0, S.prices.length - MAX_PRICE_POINTS);
  }

  function onEvent(channel, d, ts) {
    if (d === null || typeof d !== 'object') return;
    switch (channel) {
      case 'market':
        if (d.kind === 'trade' || d.kind === undefined) onTrade(d);
        return;
      case 'orders':
        addOrder(d);
        S.dirty.add('orders');
        return;
      case 'fills':
        addFill(d, true);
        S.dirty.add('orders');
        return;
      case 'signals':
        addSignal(d);
        S.dirty.add('signals');
        return;
      case 'logs':
        addLog(d);
        return;
      case 'latency':
        addLatency(d);
        return;
      case 'portfolio':
        S.portfolio = d;
        if (Array.isArray(d.positions)) S.positions = d.positions;
        S.dirty.add('portfolio');
        return;
      default:
        void ts;
    }
  }

  function onTrade(d) {
    if (!isNum(d.price) || d.price <= 0) return;
    if (S.chartSymbol === null) S.chartSymbol = d.symbol ?? null;
    if (d.symbol !== S.chartSymbol) return;
    const t = isNum(d.ts) ? d.ts : Date.now();
    pushPrice(t, d.price);
    if (d.whale === true) {
      S.whales.push({ t, p: d.price, side: d.side, qty: d.qty });
      S.whaleCount += 1;
      if (S.whales.length > MAX_MARKS) S.whales.shift();
    }
    S.dirty.add('chart');
  }

  function addOrder(o) {
    if (!o || typeof o !== 'object') return;
    const idText = o.clientOrderId || o.id || '';
    const key = `o:${idText}:${o.status}:${o.filledQty}`;
    if (S.orderKeys.has(key)) return;
    const status = String(o.status ?? '?');
    const pos = (v) => (isNum(v) && v > 0 ? v : null);
    addOrderRow({
      key,
      ts: isNum(o.ts) ? o.ts : Date.now(),
      kind: 'order',
      symbol: o.symbol,
      side: o.side,
      qty: o.qty,
      price: pos(o.avgPrice) ?? pos(o.price),
      text: `${status}${o.reason ? ` (${o.reason})` : ''} · ${idText}`,
      status,
    });
  }

  function addFill(f, live) {
    if (!f || typeof f !== 'object') return;
    const key = `f:${f.venue}:${f.orderId}:${f.tradeId}`;
    if (S.orderKeys.has(key)) return;
    const ts = isNum(f.ts) ? f.ts : Date.now();
    addOrderRow({ key, ts, kind: 'fill', symbol: f.symbol, side: f.side, qty: f.qty, price: f.price, text: `${f.liquidity ?? ''} · ${f.clientOrderId ?? ''}`, status: 'fill' });
    if (live && f.symbol === S.chartSymbol && isNum(f.price)) {
      S.fillMarks.push({ t: ts, p: f.price, side: f.side });
      if (S.fillMarks.length > MAX_MARKS) S.fillMarks.shift();
      S.dirty.add('chart');
    }
  }

  /**
   * Puts `item` first in a newest-first `list` capped at `max`, unless its key is in `keys` (the
   * keys of the items in the list: a replayed or repeated packet is shown once). False when seen.
   */
  function addKeyed(list, keys, item, keyOf, max) {
    const key = keyOf(item);
    if (keys.has(key)) return false;
    keys.add(key);
    list.unshift(item);
    if (list.length > max) for (const x of list.splice(max)) keys.delete(keyOf(x));
    return true;
  }
  const rowKey = (r) => r.key;
  const signalKey = (s) => `${s.ts}:${s.strategy}:${s.symbol}:${s.side}:${s.tradeId ?? ''}`;
  const logKey = (l) => `${l.ts}:${l.level}:${l.message}`;

  function addOrderRow(row) {
    if (addKeyed(S.orderRows, S.orderKeys, row, rowKey, MAX_ORDER_ROWS)) S.dirty.add('orders');
  }

  function addSignal(s) {
    if (!s || typeof s !== 'object') return;
    if (addKeyed(S.signals, S.signalKeys, s, signalKey, MAX_SIGNALS)) S.dirty.add('signals');
  }

  function addLog(l) {
    if (!l || typeof l !== 'object' || typeof l.message !== 'string') return;
    if (addKeyed(S.logs, S.logKeys, l, logKey, MAX_LOGS)) S.dirty.add('logs');
  }

  function addLatency(e) {
    if (typeof e.component !== 'string' || !isNum(e.ms) || e.ms < 0) return;
    let arr = S.latency.get(e.component);
    if (arr === undefined) {
      arr = [];
      S.latency.set(e.component, arr);
    }
    arr.push(e.ms);
    if (arr.length > MAX_LATENCY_SAMPLES) arr.splice(0, arr.length - MAX_LATENCY_SAMPLES);
    S.dirty.add('latency');
  }

  // ---- rendering ------------------------------------------------------------------------------
  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    const run = () => {
      renderQueued = false;
      render();
    };
    // rAF does not run in background tabs; a timer keeps the page current there too.
    if (document.hidden) setTimeout(run, 250);
    else requestAnimationFrame(run);
  }

  function render() {
    const d = S.dirty;
    if (d.has('seq')) $('seq').textContent = S.seq === null ? '–' : String(S.seq);
    if (d.has('meta')) renderMeta();
    if (d.has('status')) renderStatus();
    if (d.has('market')) renderMarket();
    if (d.has('portfolio')) renderPortfolio();
    if (d.has('signals')) renderSignals();
    if (d.has('orders')) renderOrders();
    if (d.has('logs')) renderLogs();
    if (d.has('latency')) renderLatency();
    if (d.has('chart') || d.has('market')) drawChart();
    d.clear();
  }

  function renderMeta() {
    $('venues').textContent = S.config.venues.length ? S.config.venues.join(', ') : '–';
    const sel = $('symbol-select');
    const want = ['', ...S.config.symbols];
    const have = [...sel.options].map((o) => o.value);
    if (want.join('\n') !== have.join('\n')) {
      sel.replaceChildren(
        ...want.map((v) => {
          const o = document.createElement('option');
          o.value = v;
          o.textContent = v === '' ? 'all (default market)' : v;
          return o;
        }),
      );
    }
    sel.value = S.symbol ?? '';
    $('symbol-pick').hidden = S.config.symbols.length < 2;
    const viewer = S.role === 'viewer';
    for (const id of ['halt-btn', 'resume-btn']) {
      const b = $(id);
      b.disabled = viewer;
      if (viewer) b.title = 'This connection has the viewer role: HALT and RESUME need an operator token (?token=…)';
    }
  }

  function renderStatus() {
    const el = $('status');
    el.textContent = S.status;
    el.dataset.status = S.status;
    el.className = `badge ${S.status === 'ACTIVE' ? 'badge-active' : S.status === 'HALT' ? 'badge-halt' : 'badge-init'}`;
    el.title = S.status === 'HALT' && S.haltReason ? `halted: ${S.haltReason}` : '';
    $('halt-btn').setAttribute('aria-pressed', String(S.status === 'HALT'));
  }

  function setText(id, text, cls) {
    const el = $(id);
    el.textContent = text;
    if (cls !== undefined) el.className = cls;
  }

  function renderMarket() {
    const m = S.market;
    setText('symbol', m ? `${m.symbol}${m.venue ? ` · ${m.venue}` : ''}` : '');
    setText('price', m ? fmtPrice(m.price) : '–');
    setText('alpha', m && isNum(m.alpha) ? m.alpha.toFixed(3) : m ? 'warming up' : '–');
    setText('regime', m ? REGIMES[m.regime] ?? String(m.regime) : '–', m && m.regime === 'critical' ? 'neg' : '');
    setText('velocity', m ? `${fmtNum(m.velocity)} /s` : '–', signClass(m && m.velocity));
    setText('acceleration', m ? `${fmtNum(m.acceleration)} /s²` : '–', signClass(m && m.acceleration));
    setText('approved-size', isNum(S.approvedSize) ? `${fmtPct(S.approvedSize, 1)} of NAV` : '–');
    setText('updated', S.updatedAt ? fmtTime(S.updatedAt) : '–');
  }

  function renderPortfolio() {
    const p = S.portfolio;
    setText('nav', p ? fmtMoney(p.nav) : '–');
    setText('cash', p ? fmtMoney(p.cash) : '–');
    setText('daily-pnl', p ? fmtMoney(p.daily_pnl, true) : '–', signClass(p && p.daily_pnl));
    setText('max-drawdown', p ? fmtPct(p.max_drawdown) : '–', p && p.max_drawdown > 0 ? 'neg' : '');
    const tb = $('positions');
    const rows = S.positions.filter((x) => x && isNum(x.qty) && x.qty !== 0);
    if (rows.length === 0) {
      tb.replaceChildren(row(['no positions'], { colspan: 6, cls: 'empty' }));
      return;
    }
    tb.replaceChildren(
      ...rows.map((x) => {
        const tr = document.createElement('tr');
        tr.append(td(x.venue), td(x.symbol), td(fmtQty(x.qty), 'num ' + signClass(x.qty)), td(fmtPrice(x.avgPrice), 'num'), td(fmtPrice(x.lastPrice), 'num'), td(fmtMoney(x.unrealizedPnl, true), 'num ' + signClass(x.unrealizedPnl)));
        return tr;
      }),
    );
  }

  function td(text, cls) {
    const c = document.createElement('td');
    c.textContent = text === undefined || text === null ? '' : String(text);
    if (cls) c.className = cls.trim();
    return c;
  }
  function row(cells, opts) {
    const tr = document.createElement('tr');
    if (opts && opts.cls) tr.className = opts.cls;
    for (const c of cells) {
      const cell = td(c);
      if (opts && opts.colspan) cell.colSpan = opts.colspan;
      tr.append(cell);
    }
    return tr;
  }

  function renderSignals() {
    const cur = S.currentSignal;
    const now = $('signal-now');
    if (cur && cur.side && cur.side !== 'none') {
      now.textContent = `${cur.side.toUpperCase()} · confidence ${fmtPct(cur.confidence, 0)} · ${cur.reasoning ?? ''}`;
      now.className = `signal-now side-${cur.side}`;
    } else {
      now.textContent = cur ? `no active signal${cur.reasoning ? ` · ${cur.reasoning}` : ''}` : 'no signal yet';
      now.className = 'signal-now';
    }
    const tb = $('signals');
    if (S.signals.length === 0) {
      tb.replaceChildren(row(['no signals yet'], { colspan: 4, cls: 'empty' }));
      return;
    }
    tb.replaceChildren(
      ...S.signals.map((s) => {
        const tr = document.createElement('tr');
        tr.append(td(fmtTime(s.ts)), td(`${String(s.side).toUpperCase()}${s.kind ? ` (${s.kind})` : ''}`, `side-${s.side}`), td(fmtPct(s.confidence, 0), 'num'), td(`${s.symbol ? `${s.symbol}: ` : ''}${s.reasoning ?? ''}`));
        return tr;
      }),
    );
  }

  let renderedOrderKeys = new Set();
  function renderOrders() {
    const tb = $('orders');
    if (S.orderRows.length === 0) {
      tb.replaceChildren(row(['no orders yet'], { colspan: 7, cls: 'empty' }));
      renderedOrderKeys = new Set();
      return;
    }
    const seen = new Set();
    tb.replaceChildren(
      ...S.orderRows.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.kind = r.kind;
        tr.dataset.status = r.status;
        tr.className = `kind-${r.kind}${renderedOrderKeys.size > 0 && !renderedOrderKeys.has(r.key) ? ' new-row' : ''}`;
        seen.add(r.key);
        tr.append(td(fmtTime(r.ts)), td(r.kind === 'fill' ? 'FILL' : 'order'), td(r.symbol), td(r.side, `side-${r.side}`), td(fmtQty(r.qty), 'num'), td(fmtPrice(r.price), 'num'), td(r.text));
        return tr;
      }),
    );
    renderedOrderKeys = seen;
  }

  function renderLogs() {
    const ol = $('logs');
    ol.replaceChildren(
      ...S.logs.slice(0, 100).map((l) => {
        const li = document.createElement('li');
        li.className = `lvl-${l.level}`;
        const t = document.createElement('time');
        t.textContent = fmtTime(l.ts);
        const msg = l.message.length > 240 ? `${l.message.slice(0, 240)}…` : l.message;
        if (msg !== l.message) li.title = l.message;
        li.append(t, document.createTextNode(`${l.level === 'info' ? '' : `${l.level.toUpperCase()} `}${msg}`));
        return li;
      }),
    );
  }

  function componentNames() {
    const names = new Set(Object.keys(S.components));
    for (const k of S.latency.keys()) names.add(k);
    return [...names].sort();
  }

  function renderLatency() {
    const names = componentNames();
    const tb = $('components');
    if (names.length === 0) {
      tb.replaceChildren(row(['no components reported yet'], { colspan: 5, cls: 'empty' }));
    } else {
      tb.replaceChildren(
        ...names.map((n) => {
          const c = S.components[n];
          const tr = document.createElement('tr');
          const sr = c && isNum(c.success_rate) ? c.success_rate : null;
          tr.append(td(n), td(c ? fmtMs(c.latency_ms && c.latency_ms.p50) : '–', 'num'), td(c ? fmtMs(c.latency_ms && c.latency_ms.p99) : '–', 'num'), td(c && isNum(c.invocations) ? c.invocations.toLocaleString('en-US') : '–', 'num'), td(sr === null ? '–' : fmtPct(sr, 1), `num ${sr !== null && sr < 1 ? 'neg' : ''}`));
          return tr;
        }),
      );
    }
    drawLatency(names);
  }

  // ---- canvas charts --------------------------------------------------------------------------
  function fitCanvas(canvas, cssHeight) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(200, Math.round(canvas.clientWidth || canvas.width));
    const h = cssHeight ?? Math.round((w * canvas.height) / canvas.width);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx, w, h };
  }

  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => (css.getPropertyValue(name) || fallback).trim();
  const C = {
    line: color('--accent', '#5cc8ff'),
    grid: color('--line', '#2c3845'),
    text: color('--muted', '#9fb0c0'),
    buy: color('--buy', '#3fd68a'),
    sell: color('--sell', '#ff6b6b'),
    fill: color('--fill', '#c792ea'),
    warn: color('--warn', '#ffcc4d'),
  };

  function niceStep(range, target) {
    const raw = range / target;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const n = raw / mag;
    return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
  }

  function drawChart() {
    const canvas = $('chart');
    const { ctx, w, h } = fitCanvas(canvas, Math.round(Math.min(320, Math.max(200, canvas.clientWidth * 0.3))));
    ctx.clearRect(0, 0, w, h);
    const L = 70;
    const R = 12;
    const T = 10;
    const B = 24;
    const last = S.prices[S.prices.length - 1];
    // Keep only the window (the arrays are sorted by time, or nearly).
    if (last !== undefined) {
      const cut = last.t - CHART_WINDOW_MS;
      while (S.prices.length > 2 && S.prices[0].t < cut) S.prices.shift();
      while (S.whales.length > 0 && S.whales[0].t < cut) S.whales.shift();
      while (S.fillMarks.length > 0 && S.fillMarks[0].t < cut) S.fillMarks.shift();
    }
    $('chart-points').textContent = String(S.prices.length);
    $('whale-count').textContent = String(S.whaleCount);
    canvas.dataset.points = String(S.prices.length);
    canvas.dataset.whales = String(S.whales.length);
    if (S.prices.length < 2 || last === undefined) {
      ctx.fillStyle = C.text;
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText(S.connected ? 'waiting for prices…' : 'no data', L, h / 2);
      return;
    }
    const t0 = S.prices[0].t;
    const t1 = Math.max(last.t, t0 + 1000);
    let lo = Infinity;
    let hi = -Infinity;
    for (const pt of S.prices) {
      if (pt.p < lo) lo = pt.p;
      if (pt.p > hi) hi = pt.p;
    }
    for (const m of S.whales.concat(S.fillMarks)) {
      if (m.p < lo) lo = m.p;
      if (m.p > hi) hi = m.p;
    }
    if (hi - lo < hi * 1e-6) {
      hi += hi * 1e-4 || 1;
      lo -= lo * 1e-4 || 1;
    }
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (w - L - R);
    const y = (p) => T + (1 - (p - lo) / (hi - lo)) * (h - T - B);

    // grid + axes labels
    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = C.grid;
    ctx.fillStyle = C.text;
    ctx.lineWidth = 1;
    const ps = niceStep(hi - lo, 5);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = Math.ceil(lo / ps) * ps; v <= hi; v += ps) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(L, yy);
      ctx.lineTo(w - R, yy);
      ctx.stroke();
      ctx.fillText(fmtPrice(v), L - 6, yy);
    }
    const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600].map((x) => x * 1000);
    const tsStep = TIME_STEPS.find((st) => (t1 - t0) / st <= 7) ?? 600_000;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let t = Math.ceil(t0 / tsStep) * tsStep; t <= t1; t += tsStep) {
      const xx = Math.round(x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(xx, T);
      ctx.lineTo(xx, h - B);
      ctx.stroke();
      ctx.fillText(fmtTime(t).slice(0, 8), xx, h - B + 5);
    }

    // HALT / RESUME marks
    for (const m of S.statusMarks) {
      if (m.t < t0 || m.t > t1) continue;
      const xx = Math.round(x(m.t)) + 0.5;
      ctx.strokeStyle = m.status === 'HALT' ? C.sell : C.buy;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(xx, T);
      ctx.lineTo(xx, h - B);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.textAlign = 'left';
      ctx.fillText(m.status, xx + 3, T + 2);
    }

    // price line
    ctx.strokeStyle = C.line;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    S.prices.forEach((pt, i) => (i === 0 ? ctx.moveTo(x(pt.t), y(pt.p)) : ctx.lineTo(x(pt.t), y(pt.p))));
    ctx.stroke();

    // our fills: squares
    for (const f of S.fillMarks) {
      ctx.fillStyle = C.fill;
      ctx.fillRect(x(f.t) - 4, y(f.p) - 4, 8, 8);
    }
    // whale trades: circles, outlined so they read on top of the line
    for (const wh of S.whales) {
      ctx.beginPath();
      ctx.arc(x(wh.t), y(wh.p), 6, 0, Math.PI * 2);
      ctx.fillStyle = wh.side === 'sell' ? C.sell : C.buy;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#0c1116';
      ctx.stroke();
    }
  }

  // Latency histograms: one row per component on a shared log-scale ms axis (from the 'latency'
  // channel's samples), with the server's p50 (solid) and p99 (dashed) marked.
  function drawLatency(names) {
    const canvas = $('latency-chart');
    const rowH = 30;
    const top = 6;
    const axis = 22;
    const h = top + Math.max(1, names.length) * rowH + axis;
    const { ctx, w } = fitCanvas(canvas, h);
    canvas.style.aspectRatio = 'auto';
    canvas.style.height = `${h}px`;
    ctx.clearRect(0, 0, w, h);
    const L = 110;
    const R = 26;
    ctx.font = '11px system-ui, sans-serif';
    if (names.length === 0) {
      ctx.fillStyle = C.text;
      ctx.textBaseline = 'middle';
      ctx.fillText('no latency data yet', L, top + rowH / 2);
      return;
    }
    // axis range: decades covering every sample and percentile
    let lo = Infinity;
    let hi = -Infinity;
    const see = (v) => {
      if (isNum(v) && v > 0) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    };
    for (const n of names) {
      for (const v of S.latency.get(n) ?? []) see(v);
      const c = S.components[n];
      if (c && c.latency_ms) {
        see(c.latency_ms.p50);
        see(c.latency_ms.p99);
      }
    }
    if (!Number.isFinite(lo)) {
      lo = 0.01;
      hi = 10;
    }
    const d0 = Math.floor(Math.log10(lo));
    const d1 = Math.max(d0 + 1, Math.ceil(Math.log10(hi)));
    const x = (v) => L + ((Math.log10(Math.max(v, 10 ** d0)) - d0) / (d1 - d0)) * (w - L - R);
    const BINS_PER_DECADE = 8;
    const nb = (d1 - d0) * BINS_PER_DECADE;

    // axis
    ctx.strokeStyle = C.grid;
    ctx.fillStyle = C.text;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let d = d0; d <= d1; d++) {
      const xx = Math.round(x(10 ** d)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(xx, top);
      ctx.lineTo(xx, h - axis);
      ctx.stroke();
      const v = 10 ** d;
      ctx.fillText(v >= 1 ? `${v} ms` : v >= 0.001 ? `${v * 1000} µs` : `${v * 1e6} ns`, xx, h - axis + 5);
    }

    names.forEach((n, i) => {
      const y0 = top + i * rowH;
      const samples = S.latency.get(n) ?? [];
      ctx.fillStyle = C.text;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(n.length > 16 ? `${n.slice(0, 15)}…` : n, L - 6, y0 + rowH / 2);
      if (samples.length > 0) {
        const bins = new Array(nb).fill(0);
        for (const v of samples) {
          const b = Math.floor((Math.log10(Math.max(v, 10 ** d0)) - d0) * BINS_PER_DECADE);
          bins[Math.min(nb - 1, Math.max(0, b))] += 1;
        }
        const max = Math.max(...bins);
        const bw = (w - L - R) / nb;
        ctx.fillStyle = C.line;
        bins.forEach((c, b) => {
          if (c === 0) return;
          const bh = Math.max(1, (c / max) * (rowH - 8));
          ctx.fillRect(L + b * bw + 0.5, y0 + rowH - 3 - bh, Math.max(1, bw - 1), bh);
        });
      }
      const c = S.components[n];
      if (c && c.latency_ms) {
        const mark = (v, dash, col) => {
          if (!isNum(v) || v <= 0) return;
          const xx = Math.round(x(v)) + 0.5;
          ctx.strokeStyle = col;
          ctx.lineWidth = 2;
          ctx.setLineDash(dash);
          ctx.beginPath();
          ctx.moveTo(xx, y0 + 2);
          ctx.lineTo(xx, y0 + rowH - 2);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.lineWidth = 1;
        };
        mark(c.latency_ms.p50, [], C.buy);
        mark(c.latency_ms.p99, [3, 3], C.warn);
      }
      ctx.strokeStyle = C.grid;
      ctx.beginPath();
      ctx.moveTo(L, y0 + rowH - 2.5);
      ctx.lineTo(w - R, y0 + rowH - 2.5);
      ctx.stroke();
    });
  }

  window.addEventListener('resize', () => {
    S.dirty.add('chart');
    S.dirty.add('latency');
    scheduleRender();
  });

  // A small hook for tests and debugging (read-only view of the connection).
  window.tickwireDashboard = {
    get seq() {
      return S.seq;
    },
    get connected() {
      return S.connected;
    },
    get pendingCommands() {
      return S.pending.size;
    },
  };

  ['market', 'portfolio', 'signals', 'orders', 'logs', 'latency', 'status', 'meta', 'chart'].forEach((k) => S.dirty.add(k));
  render();
  connect();
})();
