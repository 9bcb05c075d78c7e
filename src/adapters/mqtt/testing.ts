import { connect } from 'node:net';
import { servicesRequired } from '../sql/testing.js';

/** Mosquitto of the test machine; WALKOUT_MQTT_URL overrides. */
export const TEST_MOSQUITTO_URL = process.env.WALKOUT_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** Whether the broker's port answers; throws when services are required and it does not. */
export async function mosquittoAvailable(url = TEST_MOSQUITTO_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const up = await new Promise<boolean>((resolve) => {
    const socket = connect(Number(port || 1883), hostname);
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
  if (!up && servicesRequired)
    throw new Error(`the MQTT broker at ${url} is required (WALKOUT_REQUIRE_SERVICES=1) but does not answer`);
  return up;
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
