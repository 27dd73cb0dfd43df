/**
 * The sunset sweep — one coordinator for the whole shop (`sunset-sweep`), running for as long as
 * the shop does. Every `sunset.sweepEvery` (1 day) it walks the customers in id order, in bounded
 * batches (`sunset.sweepBatchSize` per activity), and hands every lapsed marketing recipient to a
 * sunset journey of their own (./sunset.ts) through a `customer.lapsed` event the relay delivers.
 *
 * Why a sweep rather than a journey per recipient from their first marketing email: almost every
 * recipient engages again or is never lapsed, and a sleeping workflow per subscriber for years,
 * woken by every send and every open, would cost Temporal actions and history for nothing. The
 * sweep costs one activity per batch a day; sunset journeys exist only for the few who lapse,
 * for two weeks each. Both are visible in Temporal: `Journey="sunset-sweep"` and `Journey="sunset"`.
 *
 * The sweep carries only its cursor and counts: it continues as new before its history grows long,
 * even in the middle of a pass. Its settings are read by the activity at every batch, so a changed
 * configuration applies at the next batch (nothing of it is in the history to replay).
 */
import {
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { historyIsLong, type ContinuesAsNew } from './kit';
import { JourneyStepKey, SUNSET_SWEEP_WORKFLOW_ID, sunsetSweepStateQuery, sweepNowSignal, type SunsetSweepView } from './messages';
import { toMs } from '../shared/durations';
import type { Activities } from '../activities';

export interface SunsetSweepState extends SunsetSweepView {
  /** when the next pass starts (ms, workflow time); null: at once */
  nextPassAt: number | null;
  /** lapsed recipients handed over in the current pass (runs carried before the daily share: absent) */
  handedThisPass?: number;
}

/** Patch id: a pass ends once it handed over `sunset.maxPerPass` recipients. */
const DAILY_SHARE = 'sunset-sweep-daily-share';

export type SunsetSweepInput = ContinuesAsNew<SunsetSweepState>;

const { sweepLapsedRecipients } = proxyActivities<Pick<Activities, 'sweepLapsedRecipients'>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function sunsetSweep(input: SunsetSweepInput): Promise<void> {
  const state: SunsetSweepState = input.carried?.state ?? { passAt: null, cursor: null, passes: 0, lapsedFound: 0, nextPassAt: null };
  let step = workflowInfo().typedSearchAttributes.get(JourneyStepKey);
  let details = '';
  let wakeUpAt: number | null = null;
  let sweepNow = false;
  setHandler(sweepNowSignal, () => {
    sweepNow = true;
  });
  setHandler(sunsetSweepStateQuery, () => ({
    journey: SUNSET_SWEEP_WORKFLOW_ID,
    customerId: '',
    step: step ?? 'started',
    details,
    nextWakeUp: wakeUpAt === null ? null : new Date(wakeUpAt).toISOString(),
    sent: [],
    data: { passAt: state.passAt, cursor: state.cursor, passes: state.passes, lapsedFound: state.lapsedFound },
  }));
  const at = (next: string, text: string) => {
    // Every upsert is a billed action: a pass of many batches keeps the one it has.
    if (next !== step) upsertSearchAttributes([{ key: JourneyStepKey, value: next }]);
    step = next;
    details = text;
    const waiting = wakeUpAt === null ? '' : `waiting until ${new Date(wakeUpAt).toISOString()} for: `;
    setCurrentDetails(`**sunset sweep**: finds lapsed marketing recipients and starts their sunset journeys\n\n${waiting}${text}`);
  };

  for (;;) {
    if (state.passAt === null) {
      const due = state.nextPassAt;
      if (due !== null && due > Date.now() && !sweepNow) {
        wakeUpAt = due;
        at('waiting-for-next-pass', `the next pass (${state.passes} so far, ${state.lapsedFound} lapsed recipients found)`);
        await condition(() => sweepNow, due - Date.now());
        wakeUpAt = null;
      }
      sweepNow = false;
      state.passAt = new Date(Date.now()).toISOString();
      state.cursor = null;
    }
    at('sweeping', `pass of ${state.passAt}: customers after ${state.cursor ?? 'the first'}`);
    const batch = await sweepLapsedRecipients({ after: state.cursor, passAt: state.passAt });
    state.lapsedFound += batch.handedOver;
    state.handedThisPass = (state.handedThisPass ?? 0) + batch.handedOver;
    // The day's share is asked: the rest of the list waits for the next pass, which finds again
    // those left (the ones handed over are not handed over twice).
    const shareAsked = batch.next !== null && state.handedThisPass >= batch.maxPerPass && patched(DAILY_SHARE);
    if (batch.next === null || shareAsked) {
      state.handedThisPass = 0;
      state.passes += 1;
      state.nextPassAt = Date.parse(state.passAt) + toMs(batch.sweepEvery);
      state.passAt = null;
      state.cursor = null;
    } else {
      state.cursor = batch.next;
    }
    if (historyIsLong(input.historyLimit)) {
      await continueAsNew<typeof sunsetSweep>({ historyLimit: input.historyLimit, carried: { kit: {}, state } });
    }
  }
}
