/**
 * The baseline of "event to email": what Temporal alone costs for signal-with-start, one
 * activity and the result, with no journey, database or rendering in between.
 */
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export const pokeSignal = defineSignal<[string]>('poke');

const { noop } = proxyActivities<{ noop(id: string): Promise<string> }>({ startToCloseTimeout: '10 seconds' });

export async function roundTrip(): Promise<string> {
  let poked: string | undefined;
  setHandler(pokeSignal, (id) => {
    poked = id;
  });
  await condition(() => poked !== undefined);
  return noop(poked!);
}
