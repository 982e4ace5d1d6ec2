/** GET /metrics: the server's own counters plus the source's component statistics (prom-client). */
import { Counter, Gauge, Registry } from 'prom-client';

import type { FullState } from './protocol.js';

export class TelemetryMetrics {
  readonly registry = new Registry();
  readonly connections: Counter<'kind'>;
  readonly packets: Counter<'type'>;
  readonly rejected: Counter<'reason'>;
  readonly clientErrors: Counter<'code'>;
  readonly commands: Counter<'type' | 'result'>;
  readonly slowDrops: Counter<'kind'>;
  readonly replays: Counter<'result'>;

  constructor(state: () => FullState, framesSent: () => number, clients: () => { ws: number; sse: number }) {
    const registers = [this.registry];
    this.connections = new Counter({ name: 'tickwire_telemetry_connections_total', help: 'Accepted client connections', labelNames: ['kind'], registers });
    new Gauge({
      name: 'tickwire_telemetry_clients',
      help: 'Connected clients',
      labelNames: ['kind'],
      registers,
      collect() {
        const n = clients();
        this.set({ kind: 'ws' }, n.ws);
        this.set({ kind: 'sse' }, n.sse);
      },
    });
    this.packets = new Counter({ name: 'tickwire_telemetry_packets_total', help: 'Packets broadcast (each once, whatever the number of clients)', labelNames: ['type'], registers });
    new Counter({
      name: 'tickwire_telemetry_frames_sent_total',
      help: 'Broadcast frames written to clients (counted without prom-client on the hot path)',
      registers,
      collect() {
        this.reset();
        this.inc(framesSent());
      },
    });
    this.rejected = new Counter({ name: 'tickwire_telemetry_rejected_total', help: 'Refused requests and upgrades', labelNames: ['reason'], registers });
    this.clientErrors = new Counter({ name: 'tickwire_telemetry_client_errors_total', help: 'ERROR packets sent for bad client messages and failed commands', labelNames: ['code'], registers });
    this.commands = new Counter({ name: 'tickwire_telemetry_commands_total', help: 'Client commands by type and result', labelNames: ['type', 'result'], registers });
    this.slowDrops = new Counter({ name: 'tickwire_telemetry_slow_consumer_drops_total', help: 'Clients dropped because their send buffer exceeded maxBufferedBytes', labelNames: ['kind'], registers });
    this.replays = new Counter({ name: 'tickwire_telemetry_resumes_total', help: 'Reconnects with ?since: replayed or resynced', labelNames: ['result'], registers });

    // Source-side figures, read from the state at scrape time.
    let snapshot: FullState | null = null;
    const read = (): FullState | null => {
      try {
        return state();
      } catch {
        return null;
      }
    };
    const refresh = new Gauge({
      name: 'tickwire_halted',
      help: '1 while trading is halted',
      registers,
      collect() {
        snapshot = read();
        this.set(snapshot?.halted === true ? 1 : 0);
      },
    });
    void refresh;
    new Gauge({
      name: 'tickwire_component_latency_ms',
      help: 'Component latency quantiles in ms (feeds, strategies, order path)',
      labelNames: ['component', 'quantile'],
      registers,
      collect() {
        this.reset();
        for (const [name, c] of Object.entries(snapshot?.components ?? {})) {
          this.set({ component: name, quantile: '0.5' }, c.latency_ms.p50);
          this.set({ component: name, quantile: '0.99' }, c.latency_ms.p99);
        }
      },
    });
    new Gauge({
      name: 'tickwire_component_invocations',
      help: 'Component invocations since start',
      labelNames: ['component'],
      registers,
      collect() {
        this.reset();
        for (const [name, c] of Object.entries(snapshot?.components ?? {})) this.set({ component: name }, c.invocations);
      },
    });
    new Gauge({
      name: 'tickwire_component_success_ratio',
      help: 'Component success rate, 0..1',
      labelNames: ['component'],
      registers,
      collect() {
        this.reset();
        for (const [name, c] of Object.entries(snapshot?.components ?? {})) this.set({ component: name }, c.success_rate);
      },
    });
    new Gauge({
      name: 'tickwire_portfolio_nav',
      help: 'Net asset value (quote currency)',
      registers,
      collect() {
        if (snapshot !== null) this.set(snapshot.portfolio.nav);
      },
    });
    new Gauge({
      name: 'tickwire_open_orders',
      help: 'Open orders',
      registers,
      collect() {
        if (snapshot !== null) this.set(snapshot.openOrders.length);
      },
    });
  }
}
