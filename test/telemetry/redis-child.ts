/**
 * A telemetry server in its own process fed from Redis (for test/telemetry/redis.test.ts):
 *   node --import tsx test/telemetry/redis-child.ts <redis url> <channel>
 * Prints one JSON line {url} when listening; exits when stdin closes (its parent went away).
 */
import { RedisTelemetrySource } from '../../src/telemetry/redis.js';
import { TelemetryServer } from '../../src/telemetry/server.js';

const [redisUrl, channel] = process.argv.slice(2);
if (redisUrl === undefined || channel === undefined) {
  process.stderr.write('usage: redis-child.ts <redis url> <channel>\n');
  process.exit(2);
}
const source = await RedisTelemetrySource.connect({ url: redisUrl, channel, commandTimeoutMs: 5000 });
const server = await TelemetryServer.start({ port: 0, rateHz: 20, log: (l, m) => process.stderr.write(`[child ${process.pid}] ${l}: ${m}\n`) }, source);
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
const stop = async (): Promise<void> => {
  await server.close();
  await source.close();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
