/**
 * What `tickwire demo` and `tickwire run` share: the progress line and running an engine until
 * SIGINT / SIGTERM.
 */
import type { Engine, EngineStats } from './engine.js';

/** `12 345 messages, 12 orders, 15 fills, order latency p50 1.23 ms p99 4.56 ms, NAV 100 012.34` */
export function progressLine(s: EngineStats, nav: number, halted: boolean): string {
  return (
    `${s.messages} messages, ${s.signals} signals, ${s.acked} orders (${s.blocked} blocked, ${s.rejected} rejected), ${s.fills} fills, ` +
    `order latency p50 ${s.orderLatency.p50.toFixed(2)} ms p99 ${s.orderLatency.p99.toFixed(2)} ms, NAV ${nav.toFixed(2)}${halted ? ', HALTED' : ''}`
  );
}

/**
 * Prints a progress line every `intervalMs` (0: none) until SIGINT or SIGTERM, then stops the
 * engine. Resolves with the exit code: 0 after a clean stop, 1 if stopping failed.
 */
export async function runUntilSignal(engine: Engine, prefix: string, intervalMs: number, out: (line: string) => void): Promise<number> {
  const timer = intervalMs > 0 ? setInterval(() => out(`${prefix}: ${progressLine(engine.stats(), engine.portfolio.nav, engine.risk.halted)}`), intervalMs) : null;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  if (timer) clearInterval(timer);
  out(`${prefix}: ${signal}, stopping`);
  try {
    await engine.stop();
  } catch (e) {
    process.stderr.write(`${prefix}: stop failed: ${(e as Error).message}\n`);
    return 1;
  }
  out(`${prefix}: stopped. ${progressLine(engine.stats(), engine.portfolio.nav, engine.risk.halted)}`);
  return 0;
}
