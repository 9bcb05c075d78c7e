import { describe, expect, it } from 'vitest';
import { parseStoreDefinition } from '../protocol/store.js';
import { parseMessage } from '../protocol/topics.js';
import { cameraStage } from '../sim/cameraStage.js';
import { runScenario } from '../sim/scenario.js';
import { SCENARIOS } from '../sim/scenarios.js';
import { smallStore } from '../sim/stores.js';
import type { VisitEvent } from '../store/events.js';
import { replay } from './replay.js';

describe('a review whose taker the cameras name a few seconds later', () => {
  // Eight visits in 90 s of the standard mix, seen by the hard scenarios' worse detector: on seed 7
  // a shopper the tracker lost reaches before their new track is named by its bones. (With the
  // default detector the tracker no longer loses anyone in 30 such seeds.)
  const sim = runScenario(
    smallStore(),
    { ...SCENARIOS.standard, cameraNoise: 'hard', visits: 8, windowS: 90 },
    7,
    { cameraStage: cameraStage() },
  );

  it('is settled by the cameras, and the item goes to the shopper who really took it', async () => {
    const store = parseStoreDefinition(sim.store);
    const out = await replay(
      store,
      sim.messages.map((m) => parseMessage(m.topic, m.payload)),
    );
    const token = new Map(
      out.events.flatMap((e) => (e.type === 'ShopperEntered' ? [[e.visitId, e.token] as const] : [])),
    );
    const byCameras = out.events.filter(
      (e): e is Extract<VisitEvent, { type: 'ReviewSettled' }> =>
        e.type === 'ReviewSettled' && e.by === 'cameras',
    );
    expect(byCameras.length).toBeGreaterThan(0);
    for (const settled of byCameras) {
      const booked = out.events.find(
        (e): e is Extract<VisitEvent, { type: 'ItemPicked' }> =>
          e.type === 'ItemPicked' && e.eventId === `${settled.eventId}-settled`,
      );
      expect(booked, settled.eventId).toBeDefined();
      const shelf = out.shelfEvents.find((s) => s.eventId === settled.eventId)!;
      const takers = sim.truth.events
        .filter((x) => x.sku === booked!.sku && x.t >= shelf.startT - 1000 && x.t <= shelf.endT + 1000)
        .map((x) => x.shopper);
      expect(takers).toContain(token.get(booked!.visitId));
    }
  }, 60_000);
});
