/**
 * Birthday — every year on the customer's birthday at 10:00 in their time zone, a greeting
 * with a coupon (15% for 14 days). Starts when a customer with a birthday appears.
 *   - the profile as stored decides: a birthday or zone changed by customer.updated wakes the
 *     journey to re-plan; one changed by PUT /v1/customers is caught when the day comes;
 *   - 29 February is celebrated on 28 February in common years;
 *   - one greeting per year at most: the year is the send's iteration key, and a birthday
 *     moved to later in a year already celebrated waits for the next year;
 *   - unsubscribed or without consent: the journey keeps its yearly rhythm and the send path
 *     skips the greeting (logged), so a customer who re-subscribes gets the next one;
 *   - ends on erasure (DELETE /v1/customers/:id ends it; a profile found erased ends it too);
 *   - lives for years: continues as new after each year's greeting, carrying its state.
 */
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import { Journey, type Carried, type ContinuesAsNew, type JourneyCarryOver } from './kit';
import type { BirthdayView } from './messages';
import type { Activities } from '../activities';
import type { BirthdayPlan } from '../activities/birthday';
import type { JourneysConfig } from '../config/journeys';

export interface BirthdayInput extends ContinuesAsNew<BirthdayState> {
  customerId: string;
  config: JourneysConfig['birthday'] & { defaultTimezone: string };
}

export interface BirthdayState {
  /** the last year whose birthday has been handled (sent or skipped) */
  celebratedThrough?: number;
  /** years a greeting really went out, newest last (the last ten) */
  greetedYears: number[];
}

/** Runs continued before the one carried shape hold their state under `carryOver`, beside the kit's part. */
type InputBefore = { carryOver?: JourneyCarryOver & Partial<BirthdayState> };

function carriedOf(input: BirthdayInput): Carried<BirthdayState> | undefined {
  const before = (input as InputBefore).carryOver;
  if (input.carried || !before) return input.carried;
  const { seenEventIds, celebratedThrough, greetedYears } = before;
  return { kit: { seenEventIds }, state: { celebratedThrough, greetedYears: greetedYears ?? [] } };
}

/** Time-zone math runs in an activity: the tz database may change under a replaying workflow. */
const { planBirthday } = proxyActivities<Pick<Activities, 'planBirthday'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes' },
});

const GREETED_YEARS_KEPT = 10;

export async function birthday(input: BirthdayInput): Promise<void> {
  const { customerId, config, historyLimit } = input;
  const carried = carriedOf(input);
  const journey = new Journey<BirthdayView>({ journey: 'birthday', customerId, carried, historyLimit, sendWindows: config.sendWindows });
  let celebratedThrough = carried?.state.celebratedThrough;
  const greetedYears = [...(carried?.state.greetedYears ?? [])];
  let profileChanged = false;
  journey.on('customer.created', () => (profileChanged = true));
  journey.on('customer.updated', () => (profileChanged = true));

  const plan = (after: number) =>
    planBirthday({
      customerId,
      after: new Date(after).toISOString(),
      celebratedThrough,
      sendAtLocalHour: config.sendAtLocalHour,
      defaultTimezone: config.defaultTimezone,
    });
  const show = (next: BirthdayPlan | undefined) => {
    journey.data = {
      nextGreetingAt: next?.status === 'planned' ? next.sendAt : null,
      birthday: next?.status === 'planned' ? next.birthday : null,
      timezone: next?.status === 'planned' ? next.timezone : null,
      celebratedThrough: celebratedThrough ?? null,
      greetedYears,
    };
  };
  show(undefined);

  for (;;) {
    profileChanged = false;
    const next = await plan(Date.now());
    show(next);
    if (next.status === 'ended') {
      journey.at('done', `ended: ${next.reason === 'erased' ? 'the customer was erased' : 'no birthday on file'}`);
      return;
    }
    const changed = await journey.waitUntil(
      () => profileChanged,
      Math.max(0, Date.parse(next.sendAt) - Date.now()),
      'waiting-for-birthday',
      `greeting for ${next.year} at ${next.sendAt} (${next.birthday.slice(5)} ${String(config.sendAtLocalHour).padStart(2, '0')}:00 ${next.timezone})`,
    );
    if (changed) {
      if (journey.historyIsLong()) return continueAsNew<typeof birthday>({ customerId, config, historyLimit, carried: keep() });
      continue;
    }

    // The day has come; a profile edited without an event (PUT /v1/customers) may disagree.
    const today = await plan(Date.parse(next.sendAt) - 1);
    if (today.status !== 'planned' || today.sendAt !== next.sendAt || today.year !== next.year) continue;

    journey.at('birthday-greeting', `sending the ${next.year} birthday greeting`);
    const outcome = await journey.send('birthday-greeting', 'birthday', {}, {
      category: 'marketing',
      onCap: 'defer',
      iteration: next.year,
      coupon: { key: `birthday/${customerId}/${next.year}`, percentOff: config.couponPercentOff, validFor: config.couponValidity },
    });
    celebratedThrough = next.year;
    if (outcome.status === 'sent') greetedYears.push(next.year);
    // A year's history is a handful of events; starting each year fresh keeps it that way forever.
    return continueAsNew<typeof birthday>({ customerId, config, historyLimit, carried: keep() });
  }

  function keep(): Carried<BirthdayState> {
    return journey.carry({ celebratedThrough, greetedYears: greetedYears.slice(-GREETED_YEARS_KEPT) });
  }
}
