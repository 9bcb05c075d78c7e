import { describe, expect, it } from 'vitest';
import { buildProgram } from '../main.js';

const live = (...args: string[]) => buildProgram().parseAsync(['node', 'walkout', 'bench', 'live', ...args]);

describe('walkout bench live options', () => {
  it('refuses a running store named by half its addresses, a cart scenario and a bad number, with a reason', async () => {
    await expect(live('--url', 'http://127.0.0.1:8080')).rejects.toThrow(
      /--url, --mqtt and --operator-key go together/,
    );
    await expect(live('--scenario', 'carts')).rejects.toThrow(/--scenario "carts": expected one of weights/);
    await expect(live('--scenario', 'weights', '--seed', '-1')).rejects.toThrow(/--seed "-1"/);
    await expect(live('--scenario', 'weights', '--minutes', 'soon')).rejects.toThrow(/--minutes "soon"/);
  });
});
