// Engine: the native side of src/net. One per JS thread. Owns the io backend (io_uring or epoll),
// the connections, and a shared event ring; a uv_poll on the backend's notify fd runs the batch
// loop on the JS thread: reap completions, advance each connection (tw_client), append events to
// the ring, call JS once, then release the inputs the events pointed into and post the next I/O.
//
// Memory per connection: one mmap'd slab [TLS buffer | rx | head | tx | reassembly] exposed to JS
// as an external ArrayBuffer, so message payloads reach JS as views without copies. The slab is
// refcounted by the connection and the ArrayBuffer: a view a user keeps can never point at freed
// memory (its contents change once the callback returns, as documented).
#include <sys/mman.h>
#include <uv.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "addon.h"
#include "args.h"
#include "tw_client.h"
#include "tw_io.h"
#include "tw_order_glue.h"
#include "tw_tls_glue.h"

namespace {

constexpr int kEventInts = 6;           // [type, conn, a, b, c, d]
constexpr uint32_t kRingEvents = 4096;

enum EventType : int32_t {
  EV_OPEN = 1,
  EV_MESSAGE = 2,  // a = opcode, b = offset in slab, c = length
  EV_PING = 3,
  EV_PONG = 4,     // b, c: payload
  EV_CLOSE = 5,    // a = code, b, c: reason
  EV_ERROR = 6,    // a = status, b = TLS error, c = close code sent
  EV_FREED = 7,    // the connection is gone; its id may be reused
  EV_DRAIN = 8,    // the send queue emptied after backpressure
};

// Live native objects, for leak tests and diagnostics (process-wide: engines may be per worker).
std::atomic<int64_t> g_live_slabs{0};
std::atomic<int64_t> g_live_conns{0};

struct Slab {
  uint8_t *base;
  size_t len;
  int refs;  // connection + ArrayBuffer
};

void slab_release(Slab *s) {
  if (--s->refs == 0) {
    munmap(s->base, s->len);
    delete s;
    g_live_slabs--;
  }
}

struct Conn {
  uint32_t id;
  bool used;
  bool connected;
  bool recv_posted;
  bool send_posted;
  bool closing;         // tw_io_close issued
  bool touched;         // had events this batch: release its input after JS ran
  bool want_drain;
  bool io_closed;       // the socket is gone; waiting for JS to release the id (engineRelease)
  uint32_t busy_us;     // this connection's busy-poll budget (µs), 0 = none
  Slab *slab;           // exposed at connect: [TLS buffer | rx | head]
  Slab *big;            // [tx | msg]: exposed (msg part only) when a reassembled message needs it
  size_t msg_off;       // offset of the reassembly buffer in `big`
  size_t msg_len;
  tw_client client;
  TwTls *tls;           // null for ws://
  uint64_t bytes_in, bytes_out, messages_in, messages_out;
};

struct Engine {
  napi_env env;
  napi_ref self;
  napi_ref on_events;
  napi_async_context async;
  uv_poll_t poll;
  uv_prepare_t prepare; // runs a batch before the loop blocks when calls from JS queued work
  bool polling;
  bool kick;
  tw_io *io;
  tw_io_slot *slots;
  tw_io_cqe *cq;
  Conn *conns;
  uint32_t max_conns;
  uint32_t hi_used;     // every used id is below this: batch loops stop here, not at max_conns
  uint32_t *touched;    // ids of connections with events since the last JS call (2 × max_conns)
  uint32_t n_touched;
  int32_t *ring;        // shared with JS (external ArrayBuffer)
  double *order_args;   // [price, qty] of the next engineSendOrder, written by JS (external
                        // ArrayBuffer): double arguments to a native call are boxed, 32 B per order
  uint32_t ring_len;    // events in the ring
  bool in_batch;
  bool in_js;           // inside the events callback: calls from JS must not parse (see after_call)
  bool spinning;
  bool destroyed;
  uint64_t delivered;   // JS calls made
  uint32_t busy_us;     // spin this long without activity before sleeping in libuv (0 = never):
                        // the largest budget of the connections not yet released
};

Engine *engine_of(napi_env env, napi_value v) {
  void *p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == nullptr) {
    napi_throw_type_error(env, "INVALID_ARGUMENT", "not an engine handle");
    return nullptr;
  }
  auto *e = static_cast<Engine *>(p);
  if (e->destroyed) {
    napi_throw_error(env, "INVALID_ARGUMENT", "engine was shut down");
    return nullptr;
  }
  return e;
}

Conn *conn_of(Engine *e, napi_env env, napi_value v) {
  uint32_t id;
  if (!tw_u32(env, v, &id, "connection id"))
    return nullptr;
  if (id >= e->max_conns || !e->conns[id].used) {
    napi_throw_range_error(env, "INVALID_ARGUMENT", "no such connection");
    return nullptr;
  }
  return &e->conns[id];
}

// argv[0] = engine handle, argv[1] = connection id: the prologue of every per-connection call.
// Null (with a JS exception pending) when either is bad.
Conn *engine_conn(napi_env env, napi_value *argv, Engine **e) {
  *e = engine_of(env, argv[0]);
  return *e ? conn_of(*e, env, argv[1]) : nullptr;
}

void push(Engine *e, int32_t type, uint32_t conn, int32_t a = 0, int32_t b = 0, int32_t c = 0, int32_t d = 0);
void flush_to_js(Engine *e);

void push(Engine *e, int32_t type, uint32_t conn, int32_t a, int32_t b, int32_t c, int32_t d) {
  if (e->ring_len == kRingEvents)
    flush_to_js(e);
  int32_t *r = e->ring + size_t(e->ring_len) * kEventInts;
  r[0] = type;
  r[1] = int32_t(conn);
  r[2] = a;
  r[3] = b;
  r[4] = c;
  r[5] = d;
  e->ring_len++;
}

// Calls JS with the events so far, then releases the inputs they pointed into.
void flush_to_js(Engine *e) {
  if (e->ring_len == 0)
    return;
  napi_env env = e->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, count, result;
  napi_get_reference_value(env, e->on_events, &cb);
  napi_get_reference_value(env, e->self, &recv);
  napi_create_uint32(env, e->ring_len, &count);
  e->ring_len = 0;
  e->delivered++;
  bool was_in_js = e->in_js;
  e->in_js = true;
  napi_status st = napi_make_callback(env, e->async, recv, cb, 1, &count, &result);
  e->in_js = was_in_js;
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
  // Connections touched during the call (JS may send or close) are in the list too; a nested
  // flush empties it, which ends this loop.
  for (uint32_t k = 0; k < e->n_touched; k++) {
    Conn *c = &e->conns[e->touched[k]];
    if (c->used && c->touched) {
      c->touched = false;
      tw_client_events_done(&c->client);
    }
  }
  e->n_touched = 0;
}

int32_t slab_off(Conn *c, const uint8_t *p) { return p ? int32_t(p - c->slab->base) : 0; }

// Whether `p` lies in the reassembly buffer (then offsets are relative to its start).
bool in_msg(Conn *c, const uint8_t *p) {
  const uint8_t *m = c->big->base + c->msg_off;
  return p >= m && p < m + c->msg_len;
}

// Control payloads (pong data, close reason) live in the parser, outside the slab JS can see:
// copy them into the HTTP head area, which is free once the upgrade is done.
int32_t control_off(Conn *c, const uint8_t *p, size_t len) {
  if (p == nullptr || len == 0)
    return 0;
  uint8_t *dst = c->client.buf.head;
  std::memmove(dst, p, len);
  return slab_off(c, dst);
}

// Pulls every event the connection has and appends them to the ring.
void drain_events(Engine *e, Conn *c) {
  for (;;) {
    tw_client_event ev;
    int t = tw_client_next_event(&c->client, &ev);
    if (t == TW_CLIENT_NONE)
      return;
    if (!c->touched) {
      c->touched = true;
      e->touched[e->n_touched++] = c->id;
    }
    switch (t) {
      case TW_CLIENT_FLUSH:
        flush_to_js(e);
        if (!c->used)
          return;
        break;
      case TW_CLIENT_OPEN:
        push(e, EV_OPEN, c->id, c->tls ? tw_tls_glue_resumed(c->tls) : 0);
        break;
      case TW_CLIENT_MESSAGE:
        c->messages_in++;
        if (ev.len != 0 && in_msg(c, ev.data))
          push(e, EV_MESSAGE, c->id, ev.opcode, int32_t(ev.data - (c->big->base + c->msg_off)), int32_t(ev.len), 1);
        else
          push(e, EV_MESSAGE, c->id, ev.opcode, slab_off(c, ev.data), int32_t(ev.len), 0);
        break;
      case TW_CLIENT_PING:
        push(e, EV_PING, c->id);
        break;
      case TW_CLIENT_PONG:
        push(e, EV_PONG, c->id, 0, control_off(c, ev.data, ev.len), int32_t(ev.len));
        break;
      case TW_CLIENT_CLOSE:
        push(e, EV_CLOSE, c->id, int32_t(ev.code), control_off(c, ev.data, ev.len), int32_t(ev.len));
        break;
      case TW_CLIENT_ERROR: {
        int status = ev.status;
        if (c->tls && ev.tls_error != 0)
          status = tw_tls_glue_status(c->tls, ev.tls_error);
        push(e, EV_ERROR, c->id, status, ev.tls_error, int32_t(ev.code));
        break;
      }
    }
  }
}

// Parses what arrived, then posts the next recv/send the connection wants; closes the socket once
// the connection is finished. Input that no pending event points into (e.g. the first part of a
// message that continues in the next read) is released at once so the next recv can land.
void pump(Engine *e, Conn *c) {
  if (!c->used || c->closing || !c->connected || c->io_closed)
    return;
  // Parse, release what no event points into (which lets TLS take the next staged record), and
  // parse again, until JS has to see events first or nothing new is readable.
  for (;;) {
    drain_events(e, c);
    if (!c->used || c->closing)
      return;
    if (c->touched)
      break;
    tw_client_events_done(&c->client);
    if (!tw_client_readable(&c->client))
      break;
  }
  if (!c->send_posted) {
    const uint8_t *buf;
    size_t len;
    if (tw_client_tx_buf(&c->client, &buf, &len)) {
      int r = tw_io_send(e->io, c->id, buf, len);
      if (r == 0)
        c->send_posted = true;
      else
        tw_client_fail(&c->client, r);
    }
  }
  if (!c->recv_posted && !c->touched) {
    uint8_t *buf;
    size_t len;
    if (tw_client_rx_buf(&c->client, &buf, &len)) {
      int r = tw_io_recv(e->io, c->id, buf, len);
      if (r == 0)
        c->recv_posted = true;
      else
        tw_client_fail(&c->client, r);
    }
  }
  drain_events(e, c);  // failures from posting surface now
  if (tw_client_done(&c->client) && !c->send_posted) {
    c->closing = true;
    tw_io_close(e->io, c->id);
  }
}

// The engine spins for the largest budget among its connections (none open: it never spins).
void update_busy(Engine *e) {
  uint32_t m = 0;
  for (uint32_t i = 0; i < e->hi_used; i++)
    if (e->conns[i].used && e->conns[i].busy_us > m)
      m = e->conns[i].busy_us;
  e->busy_us = m;
}

// The socket is closed: tell JS, which reads the final stats and then releases the id.
void socket_gone(Engine *e, Conn *c) {
  c->io_closed = true;
  push(e, EV_FREED, c->id);
}

void free_conn(Conn *c) {
  g_live_conns--;
  if (c->tls)
    tw_tls_glue_free(c->tls);
  slab_release(c->slab);
  slab_release(c->big);
  uint32_t id = c->id;
  std::memset(c, 0, sizeof *c);
  c->id = id;
}

void handle(Engine *e, const tw_io_cqe &q) {
  if (q.slot >= e->max_conns)
    return;
  Conn *c = &e->conns[q.slot];
  if (!c->used || c->io_closed)
    return;
  switch (q.op) {
    case TW_IO_OP_CONNECT:
      if (q.res < 0) {
        tw_client_fail(&c->client, int(q.res));
      } else {
        c->connected = true;
      }
      if (q.res < 0) {
        drain_events(e, c);
        c->closing = true;
        tw_io_close(e->io, c->id);
        return;
      }
      break;
    case TW_IO_OP_RECV:
      c->recv_posted = false;
      if (q.res < 0) {
        tw_client_fail(&c->client, int(q.res));
      } else {
        c->bytes_in += uint64_t(q.res);
        tw_client_rx_done(&c->client, size_t(q.res));
      }
      break;
    case TW_IO_OP_SEND:
      c->send_posted = false;
      if (q.res < 0) {
        tw_client_fail(&c->client, int(q.res));
      } else {
        c->bytes_out += uint64_t(q.res);
        tw_client_tx_done(&c->client, size_t(q.res));
        if (c->want_drain && tw_client_tx_pending(&c->client) == 0) {
          c->want_drain = false;
          push(e, EV_DRAIN, c->id);
        }
      }
      break;
    case TW_IO_OP_CLOSE:
      socket_gone(e, c);
      return;
  }
  pump(e, c);
}

// The batch loop: everything that is ready, one JS call, then the next round of I/O.
void run_batch(Engine *e) {
  if (e->in_batch || e->destroyed)
    return;
  e->in_batch = true;
  tw_io_cqe q[256];
  for (;;) {
    size_t n = tw_io_reap(e->io, q, 256);
    for (size_t i = 0; i < n; i++)
      handle(e, q[i]);
    // Deliver, release, parse what the release made available (TLS feeds the next staged record),
    // and repeat until no connection has events waiting for JS.
    for (;;) {
      flush_to_js(e);
      bool again = false;
      for (uint32_t i = 0; i < e->hi_used; i++) {
        Conn *c = &e->conns[i];
        if (!c->used)
          continue;
        pump(e, c);
        again = again || c->touched;
      }
      if (!again)
        break;
    }
    tw_io_submit(e->io);
    if (n == 0)
      break;
  }
  e->in_batch = false;
}

// Busy-poll mode: after a batch, keep reaping until busy_us pass without anything delivered, so the
// next completion is handled without an event-loop wake-up (trades a core for latency).
void spin(Engine *e) {
  if (e->busy_us == 0 || e->spinning || e->destroyed)
    return;
  e->spinning = true;
  uint64_t budget = uint64_t(e->busy_us) * 1000, last = uv_hrtime();
  for (;;) {
    uint64_t before = e->delivered;
    run_batch(e);
    uint64_t now = uv_hrtime();
    if (e->delivered != before)
      last = now;
    else if (now - last >= budget)
      break;
  }
  e->spinning = false;
}

// Before the loop blocks: run a batch if calls from JS (connect, send, close, abort) queued work,
// e.g. completions the epoll backend produced synchronously.
void on_prepare(uv_prepare_t *h) {
  auto *e = static_cast<Engine *>(h->data);
  if (e->kick) {
    e->kick = false;
    run_batch(e);
    spin(e);
  }
}

void on_poll(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  auto *e = static_cast<Engine *>(h->data);
  run_batch(e);
  spin(e);
}

void engine_teardown(Engine *e) {
  if (e->destroyed)
    return;
  e->destroyed = true;
  if (e->polling) {
    uv_poll_stop(&e->poll);
    uv_prepare_stop(&e->prepare);
  }
  tw_io_destroy(e->io);
  for (uint32_t i = 0; i < e->max_conns; i++) {
    Conn *c = &e->conns[i];
    if (c->used)
      free_conn(c);
  }
}

void finalize_engine(napi_env env, void *data, void *) {
  auto *e = static_cast<Engine *>(data);
  engine_teardown(e);
  napi_delete_reference(env, e->on_events);
  napi_async_destroy(env, e->async);
  // The uv handles must be closed before their memory goes: free in the last close callback.
  uv_close(reinterpret_cast<uv_handle_t *>(&e->prepare), nullptr);
  uv_close(reinterpret_cast<uv_handle_t *>(&e->poll), [](uv_handle_t *h) {
    auto *eng = static_cast<Engine *>(h->data);
    std::free(eng->io);
    delete[] eng->slots;
    delete[] eng->cq;
    delete[] eng->conns;
    delete[] eng->touched;
    delete[] eng->ring;
    delete[] eng->order_args;
    delete eng;
  });
}

// After a call from JS queued work on a connection: start its I/O now, and have the batch that
// handles what comes back run before the event loop blocks (never re-entrantly inside the call).
void after_call(Engine *e, Conn *c) {
  if (e->in_batch)
    return;
  // Inside the events callback (a flush outside a batch: the ring filled up): parsing now could
  // fill the ring again and re-enter JS while it still reads the ring. The batch does it instead.
  if (e->in_js) {
    e->kick = true;
    return;
  }
  pump(e, c);
  tw_io_submit(e->io);
  e->kick = true;
}

// Throws an Error with a string `code` and the native `status` (-errno or TW_ERR_*) for the TS layer.
napi_value throw_status(napi_env env, const char *code, const char *message, int status) {
  napi_value err, c, m, st;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, c, m, &err);
  napi_create_int32(env, status, &st);
  napi_set_named_property(env, err, "status", st);
  napi_throw(env, err);
  return nullptr;
}

// engineCreate(kind, maxConns, onEvents) → [handle, ringArrayBuffer] or throws with the reason
// the backend could not start (e.g. io_uring disabled: -EPERM).
napi_value EngineCreate(napi_env env, napi_callback_info info) {
  TW_ARGS(3);
  uint32_t kind, max_conns;
  if (!tw_u32(env, argv[0], &kind, "kind") || !tw_u32(env, argv[1], &max_conns, "maxConnections"))
    return nullptr;
  if ((kind != TW_IO_URING && kind != TW_IO_URING_SQPOLL && kind != TW_IO_EPOLL) || max_conns == 0 || max_conns > 65536)
    return tw_throw_range(env, "INVALID_ARGUMENT", "bad transport kind or connection limit");
  auto *e = new (std::nothrow) Engine();
  if (!e)
    return tw_throw_range(env, "ENOMEM", "out of memory");
  e->env = env;
  e->max_conns = max_conns;
  e->io = static_cast<tw_io *>(std::aligned_alloc(64, (tw_io_size() + 63) / 64 * 64));
  e->slots = new tw_io_slot[max_conns]();
  e->cq = new tw_io_cqe[size_t(max_conns) * 4 + 64]();
  e->conns = new Conn[max_conns]();
  e->touched = new uint32_t[size_t(max_conns) * 2]();  // an id is listed at most twice: freed and reused within one JS call
  e->ring = new int32_t[size_t(kRingEvents) * kEventInts]();
  e->order_args = new double[2]();
  for (uint32_t i = 0; i < max_conns; i++)
    e->conns[i].id = i;
  int r = tw_io_init(e->io, int(kind), e->slots, max_conns, e->cq, max_conns * 4 + 64, 0);
  if (r != 0) {
    std::free(e->io);
    delete[] e->slots;
    delete[] e->cq;
    delete[] e->conns;
    delete[] e->touched;
    delete[] e->ring;
    delete[] e->order_args;
    delete e;
    return throw_status(env, "IO_INIT_FAILED", "the I/O backend could not start", r);
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &e->poll, tw_io_notify_fd(e->io));
  e->poll.data = e;
  uv_poll_start(&e->poll, UV_READABLE, on_poll);
  e->polling = true;
  uv_unref(reinterpret_cast<uv_handle_t *>(&e->poll));  // connections hold the loop, not the engine
  uv_prepare_init(loop, &e->prepare);
  e->prepare.data = e;
  uv_prepare_start(&e->prepare, on_prepare);
  uv_unref(reinterpret_cast<uv_handle_t *>(&e->prepare));
  napi_create_reference(env, argv[2], 1, &e->on_events);
  napi_value name;
  napi_create_string_utf8(env, "tickwire:engine", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &e->async);

  napi_value handle, ring, args, out;
  napi_create_external(env, e, finalize_engine, nullptr, &handle);
  napi_create_reference(env, handle, 0, &e->self);
  napi_create_external_arraybuffer(env, e->ring, size_t(kRingEvents) * kEventInts * sizeof(int32_t), nullptr,
                                   nullptr, &ring);
  napi_create_external_arraybuffer(env, e->order_args, 2 * sizeof(double), nullptr, nullptr, &args);
  napi_create_array_with_length(env, 3, &out);
  napi_set_element(env, out, 0, handle);
  napi_set_element(env, out, 1, ring);
  napi_set_element(env, out, 2, args);
  return out;
}

void finalize_slab(napi_env, void *, void *hint) { slab_release(static_cast<Slab *>(hint)); }

}  // namespace

// engineConnect(handle, opts) → [id, slabArrayBuffer]
// opts: { addr: Buffer (sockaddr), host, path, headers, protocols, key: 16 B, seed: 32 B,
//         maxMessage, tls: TLS options object or undefined, raw: true for a plain byte stream }
static napi_value EngineConnect(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  Engine *e = engine_of(env, argv[0]);
  if (!e)
    return nullptr;
  napi_value o = argv[1], v;
  auto str = [&](const char *name, char *out, size_t cap) -> bool {
    size_t n = 0;
    napi_get_named_property(env, o, name, &v);
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t == napi_undefined || t == napi_null) {
      out[0] = 0;
      return true;
    }
    if (napi_get_value_string_utf8(env, v, out, cap, &n) != napi_ok || n + 1 >= cap) {
      napi_throw_range_error(env, "INVALID_ARGUMENT", name);
      return false;
    }
    return true;
  };
  char host[512], path[4096], headers[8192], protocols[512];
  if (!str("host", host, sizeof host) || !str("path", path, sizeof path) || !str("headers", headers, sizeof headers) ||
      !str("protocols", protocols, sizeof protocols))
    return nullptr;
  uint8_t *addr, *key, *seed;
  size_t addr_len, key_len, seed_len;
  napi_get_named_property(env, o, "addr", &v);
  if (!tw_bytes(env, v, &addr, &addr_len, "addr"))
    return nullptr;
  napi_get_named_property(env, o, "key", &v);
  if (!tw_bytes(env, v, &key, &key_len, "key"))
    return nullptr;
  napi_get_named_property(env, o, "seed", &v);
  if (!tw_bytes(env, v, &seed, &seed_len, "seed"))
    return nullptr;
  if (key_len != TW_CLIENT_KEY_LEN || seed_len != 32 || addr_len < sizeof(sa_family_t) ||
      addr_len > sizeof(sockaddr_storage))
    return tw_throw_range(env, "INVALID_ARGUMENT", "bad key, seed or address");
  double max_message_d;
  napi_get_named_property(env, o, "maxMessage", &v);
  if (napi_get_value_double(env, v, &max_message_d) != napi_ok || !(max_message_d >= 1) || max_message_d > double(1ull << 32))
    return tw_throw_range(env, "INVALID_ARGUMENT", "maxMessage");
  size_t max_message = size_t(max_message_d);
  bool raw = false;
  napi_get_named_property(env, o, "raw", &v);
  napi_get_value_bool(env, v, &raw);  // absent: a WebSocket
  uint32_t busy_us = 0;
  napi_get_named_property(env, o, "busyPollUs", &v);
  napi_get_value_uint32(env, v, &busy_us);  // absent: 0 (validated in TS)

  uint32_t id = 0;
  while (id < e->max_conns && e->conns[id].used)
    id++;
  if (id == e->max_conns)
    return tw_throw_range(env, "CONN_LIMIT", "connection limit reached");
  Conn *c = &e->conns[id];

  napi_value tls_opts;
  napi_get_named_property(env, o, "tls", &tls_opts);
  napi_valuetype tt;
  napi_typeof(env, tls_opts, &tt);
  bool tls = tt == napi_object;

  // Two mappings, committed lazily by the kernel: [TLS buffer | rx | head], which JS sees from the
  // start, and [tx | msg], which JS sees only if a reassembled message needs it. V8 counts an
  // external ArrayBuffer's whole length as memory pressure: exposing 32 MiB per connection cost
  // two garbage collections per connect.
  const size_t page = 4096;
  auto up = [&](size_t n) { return (n + page - 1) / page * page; };
  size_t tls_len = tls ? up(tw_tls_glue_iobuf_len()) : 0, rx_len = 65536, head_len = up(TW_CLIENT_MAX_HEAD);
  size_t tx_len = up(max_message + 64 + 16384), msg_len = up(max_message);
  auto map = [](size_t n) -> Slab * {
    void *m = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
      return nullptr;
    g_live_slabs++;
    return new Slab{static_cast<uint8_t *>(m), n, 1};
  };
  Slab *slab = map(tls_len + rx_len + head_len);
  Slab *big = slab ? map(tx_len + msg_len) : nullptr;
  if (!big) {
    if (slab)
      slab_release(slab);
    return tw_throw_range(env, "ENOMEM", "could not map connection buffers");
  }
  uint8_t *p = slab->base;
  uint8_t *tls_buf = p;
  p += tls_len;
  tw_client_buffers b{};
  b.rx = p;
  b.rx_cap = rx_len;
  p += rx_len;
  b.head = p;
  b.tx = big->base;
  b.tx_cap = tx_len;
  b.msg = big->base + tx_len;
  b.msg_cap = msg_len;

  std::memset(c, 0, sizeof *c);
  c->id = id;
  c->slab = slab;
  c->big = big;
  c->msg_off = tx_len;
  c->msg_len = msg_len;
  if (tls) {
    int r = tw_tls_glue_create(env, tls_opts, tls_buf, tls_len, &c->tls);
    if (r != 0) {
      slab_release(slab);
      slab_release(big);
      std::memset(c, 0, sizeof *c);
      c->id = id;
      return r == -1 ? nullptr : throw_status(env, "TLS_SETUP", "TLS setup failed", r);
    }
  }
  tw_client_config cfg{};
  cfg.host = host;
  cfg.path = path;
  cfg.extra_headers = headers[0] ? headers : nullptr;
  cfg.protocols = protocols[0] ? protocols : nullptr;
  std::memcpy(cfg.key, key, TW_CLIENT_KEY_LEN);
  std::memcpy(cfg.seed, seed, 32);
  cfg.max_message = max_message;
  cfg.tls = c->tls ? tw_tls_glue_engine(c->tls) : nullptr;
  cfg.raw = raw ? 1 : 0;
  int r = tw_client_init(&c->client, &cfg, &b);
  if (r == 0)
    r = tw_io_connect(e->io, id, reinterpret_cast<const sockaddr *>(addr), socklen_t(addr_len));
  if (r != 0) {
    if (c->tls)
      tw_tls_glue_free(c->tls);
    slab_release(slab);
    slab_release(big);
    std::memset(c, 0, sizeof *c);
    c->id = id;
    return throw_status(env, "CONNECT_SETUP", "could not start the connection", r);
  }
  c->used = true;
  if (id >= e->hi_used)
    e->hi_used = id + 1;
  c->busy_us = busy_us > 1000000 ? 1000000 : busy_us;
  update_busy(e);
  g_live_conns++;
  tw_io_submit(e->io);
  e->kick = true;  // epoll may have completed the connect already: the batch runs before the loop blocks

  slab->refs++;
  napi_value ab, idv, out;
  napi_create_external_arraybuffer(env, slab->base, slab->len, finalize_slab, slab, &ab);
  napi_create_uint32(env, id, &idv);
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, idv);
  napi_set_element(env, out, 1, ab);
  return out;
}

// What engineSend and engineSendOrder return for a send status: 0 queued/sent, 1 queued past the
// high-water mark (a DRAIN event follows), or the negative status (CONN_BACKPRESSURE: full, also
// followed by DRAIN). A queued frame is submitted at once (after_call).
static napi_value send_result(napi_env env, Engine *e, Conn *c, int r) {
  if (r == 0) {
    c->messages_out++;
    after_call(e, c);
    if (tw_client_tx_pending(&c->client) > (1u << 20)) {
      c->want_drain = true;
      r = 1;
    }
  } else if (r == TW_ERR_CONN_BACKPRESSURE) {
    c->want_drain = true;
  }
  napi_value out;
  napi_create_int32(env, r, &out);
  return out;
}

// engineSend(handle, id, payload, opcode) → 0 sent/queued, 1 queued with backpressure (a DRAIN
// event follows), or a negative status (CONN_BACKPRESSURE: the queue is full, try after DRAIN).
static napi_value EngineSend(napi_env env, napi_callback_info info) {
  TW_ARGS(4);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  const uint8_t *data;
  size_t len;
  uint32_t opcode;
  if (!c || !tw_bytes_or_string(env, argv[2], &data, &len, "payload") || !tw_u32(env, argv[3], &opcode, "opcode"))
    return nullptr;
  return send_result(env, e, c, tw_client_send(&c->client, int(opcode), data, len));
}

// engineSendOrder(handle, id, template) → like engineSend, for the price and quantity JS wrote into
// the order-args buffer (engineCreate's third element) just before. The order path in one call:
// render the template (slots formatted, HMAC signed), then frame, mask, encrypt and submit.
static napi_value EngineSendOrder(napi_env env, napi_callback_info info) {
  TW_ARGS(3);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  if (!c)
    return nullptr;
  TwOrderTemplate *o = tw_order_of(env, argv[2]);
  if (!o)
    return nullptr;
  // Price and quantity come through the engine's shared order_args, not as arguments.
  int64_t n = tw_order_render(&o->t, e->order_args[0], e->order_args[1], 0, o->out, sizeof o->out);
  return send_result(env, e, c, n < 0 ? int(n) : tw_client_send(&c->client, TW_WS_OP_TEXT, o->out, size_t(n)));
}

// engineClose(handle, id, code, reason) → status. Starts the close handshake.
static napi_value EngineClose(napi_env env, napi_callback_info info) {
  TW_ARGS(4);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  uint32_t code;
  const uint8_t *reason;
  size_t len;
  if (!c || !tw_u32(env, argv[2], &code, "code") || !tw_bytes_or_string(env, argv[3], &reason, &len, "reason"))
    return nullptr;
  int r = tw_client_close(&c->client, code, reason, len);
  after_call(e, c);
  napi_value out;
  napi_create_int32(env, r, &out);
  return out;
}

// engineAbort(handle, id, status): fails the connection now (timeouts, heartbeat loss).
static napi_value EngineAbort(napi_env env, napi_callback_info info) {
  TW_ARGS(3);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  int32_t status;
  if (!c || napi_get_value_int32(env, argv[2], &status) != napi_ok)
    return nullptr;
  if (c->io_closed)
    return nullptr;
  tw_client_fail(&c->client, status);
  if (!c->closing) {
    c->closing = true;
    drain_events(e, c);
    tw_io_close(e->io, c->id);
  }
  tw_io_submit(e->io);
  e->kick = true;
  return nullptr;
}

// engineStats(handle, id, out: Float64Array(4)) → bytes in/out, messages in/out.
static napi_value EngineStats(napi_env env, napi_callback_info info) {
  TW_ARGS(3);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  uint8_t *out;
  size_t len;
  if (!c || !tw_bytes(env, argv[2], &out, &len, "out") || len < 4 * sizeof(double))
    return nullptr;
  double v[4] = {double(c->bytes_in), double(c->bytes_out), double(c->messages_in), double(c->messages_out)};
  std::memcpy(out, v, sizeof v);
  return nullptr;
}

// engineKeepAlive(handle, on): a live connection holds the event loop open (uv_ref).
static napi_value EngineKeepAlive(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  Engine *e = engine_of(env, argv[0]);
  bool on;
  if (!e || napi_get_value_bool(env, argv[1], &on) != napi_ok)
    return nullptr;
  if (on)
    uv_ref(reinterpret_cast<uv_handle_t *>(&e->poll));
  else
    uv_unref(reinterpret_cast<uv_handle_t *>(&e->poll));
  return nullptr;
}

// engineBusyPollUs(handle) → the budget the engine spins for now (the largest of its connections').
static napi_value EngineBusyPollUs(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  Engine *e = engine_of(env, argv[0]);
  if (!e)
    return nullptr;
  napi_value v;
  napi_create_uint32(env, e->busy_us, &v);
  return v;
}

// engineMsgBuffer(handle, id) → ArrayBuffer over the connection's reassembly buffer (MESSAGE
// events with d = 1 point into it). Created on first use; refcounted like the slab.
static napi_value EngineMsgBuffer(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  if (!c)
    return nullptr;
  c->big->refs++;
  napi_value ab;
  napi_create_external_arraybuffer(env, c->big->base + c->msg_off, c->msg_len, finalize_slab, c->big, &ab);
  return ab;
}

// engineRelease(handle, id): JS is done with a connection whose socket is gone (after FREED).
static napi_value EngineRelease(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  if (!c)
    return nullptr;
  if (!c->io_closed)
    return tw_throw_range(env, "INVALID_ARGUMENT", "connection still open");
  free_conn(c);
  while (e->hi_used > 0 && !e->conns[e->hi_used - 1].used)
    e->hi_used--;
  update_busy(e);
  return nullptr;
}

// engineTlsSession(handle, id) → the TLS session (opaque) or undefined.
static napi_value EngineTlsSession(napi_env env, napi_callback_info info) {
  TW_ARGS(2);
  Engine *e;
  Conn *c = engine_conn(env, argv, &e);
  if (!c)
    return nullptr;
  if (!c->tls)
    return tw_undefined(env);
  return tw_tls_glue_session(env, c->tls);
}

static napi_value EngineShutdown(napi_env env, napi_callback_info info) {
  TW_ARGS(1);
  void *p = nullptr;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || p == nullptr)
    return nullptr;
  engine_teardown(static_cast<Engine *>(p));
  return nullptr;
}

// liveObjects() → [connections, slabs] still allocated natively.
static napi_value LiveObjects(napi_env env, napi_callback_info) {
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_int64(env, g_live_conns.load(), &a);
  napi_create_int64(env, g_live_slabs.load(), &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

void tw_addon_init_engine(napi_env env, napi_value exports) {
  tw_export_fn(env, exports, "liveObjects", LiveObjects);
  tw_export_fn(env, exports, "engineCreate", EngineCreate);
  tw_export_fn(env, exports, "engineConnect", EngineConnect);
  tw_export_fn(env, exports, "engineSend", EngineSend);
  tw_export_fn(env, exports, "engineSendOrder", EngineSendOrder);
  tw_export_fn(env, exports, "engineClose", EngineClose);
  tw_export_fn(env, exports, "engineAbort", EngineAbort);
  tw_export_fn(env, exports, "engineStats", EngineStats);
  tw_export_fn(env, exports, "engineKeepAlive", EngineKeepAlive);
  tw_export_fn(env, exports, "engineShutdown", EngineShutdown);
  tw_export_fn(env, exports, "engineTlsSession", EngineTlsSession);
  tw_export_fn(env, exports, "engineRelease", EngineRelease);
  tw_export_fn(env, exports, "engineBusyPollUs", EngineBusyPollUs);
  tw_export_fn(env, exports, "engineMsgBuffer", EngineMsgBuffer);
  tw_export_int(env, exports, "IO_URING", TW_IO_URING);
  tw_export_int(env, exports, "IO_URING_SQPOLL", TW_IO_URING_SQPOLL);
  tw_export_int(env, exports, "IO_EPOLL", TW_IO_EPOLL);
  tw_export_int(env, exports, "EVENT_INTS", kEventInts);
}
