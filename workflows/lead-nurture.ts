/**
 * Lead nurture — starts on form.submitted with topics; ends on the first order.
 *   at once, then every 2 days:  the next content piece for the lead's topics (up to 5)
 *   another form submitted:      its topics join the lead's (the next piece may be on them)
 *   nothing left for the topics: the journey ends
 * Pieces come from the content catalog (content/nurture-catalog.json) in catalog order; no
 * piece goes to a lead twice — the piece id is the send's iteration key, and pieces sent by an
 * earlier run of the journey are excluded too.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { Journey, type Carried, type ContinuesAsNew, type JourneyCarryOver } from './kit';
import type { LeadNurtureView } from './messages';
import type { Activities } from '../activities';
import type { JourneysConfig } from '../config/journeys';

export interface LeadNurtureInput extends ContinuesAsNew<LeadNurtureState> {
  customerId: string;
  config: JourneysConfig['leadNurture'];
}

export interface LeadNurtureState {
  topics: string[];
  sentPieceIds: string[];
}

/** Runs continued before the one carried shape hold their state under `carryOver`, beside the kit's part. */
type InputBefore = { carryOver?: JourneyCarryOver & LeadNurtureState };

function carriedOf(input: LeadNurtureInput): Carried<LeadNurtureState> | undefined {
  const before = (input as InputBefore).carryOver;
  if (input.carried || !before) return input.carried;
  const { seenEventIds, topics, sentPieceIds } = before;
  return { kit: { seenEventIds }, state: { topics, sentPieceIds } };
}

/** The catalog is a file: workflow code cannot read it, an activity does. */
const { nextNurturePiece } = proxyActivities<Pick<Activities, 'nextNurturePiece'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes' },
});

export async function leadNurture(input: LeadNurtureInput): Promise<void> {
  const { customerId, config, historyLimit } = input;
  const carried = carriedOf(input);
  const journey = new Journey<LeadNurtureView>({ journey: 'lead-nurture', customerId, carried, historyLimit, endsOnOrder: true, sendWindows: config.sendWindows });
  const topics: string[] = [...(carried?.state.topics ?? [])];
  const sentPieceIds: string[] = [...(carried?.state.sentPieceIds ?? [])];
  let ordered = false;
  journey.on('form.submitted', (event) => {
    for (const topic of event.properties.topics) {
      if (!topics.some((t) => t.toLowerCase() === topic.toLowerCase())) topics.push(topic);
    }
  });
  journey.on('order.placed', () => {
    ordered = true;
  });
  journey.data = { topics, sentPieceIds, maxPieces: config.maxPieces };

  // The form that starts the journey arrives with the start (signal-with-start).
  if (!(await journey.waitUntil(() => topics.length > 0, '1 minute', 'waiting-for-form', 'waiting for the form'))) {
    journey.at('done', 'started without a form: nothing to nurture');
    return;
  }

  while (sentPieceIds.length < config.maxPieces) {
    if (ordered) return journey.at('done', 'converted: the lead placed an order');
    const piece = await nextNurturePiece({
      customerId,
      workflowId: workflowInfo().workflowId,
      topics: [...topics],
      exclude: [...sentPieceIds],
    });
    if (!piece) return journey.at('done', `the catalog has nothing more on ${topics.join(', ')}`);

    journey.at('nurture-piece', `sending piece ${sentPieceIds.length + 1}: ${piece.id}`);
    const outcome = await journey.send(
      'nurture-piece',
      'nurture-piece',
      { piece: { id: piece.id, title: piece.title, summary: piece.summary, url: piece.url, ...(piece.imageUrl ? { imageUrl: piece.imageUrl } : {}) }, pieceNumber: sentPieceIds.length + 1 },
      { category: 'marketing', onCap: 'defer', iteration: piece.id, stillWanted: () => !ordered },
    );
    if (ordered) return journey.at('done', 'converted: the lead placed an order');
    // Not sent for lack of consent, an unsubscribe or a bounce: the next piece would fare no better.
    if (outcome.status !== 'sent') return journey.at('done', `stopped: piece ${piece.id} not sent (${outcome.reason})`);
    sentPieceIds.push(piece.id);
    if (sentPieceIds.length >= config.maxPieces) break;

    const converted = await journey.waitUntil(
      () => ordered,
      config.interval,
      'waiting-for-next-piece',
      `${sentPieceIds.length} of ${config.maxPieces} pieces sent; next in ${config.interval} unless the lead orders`,
    );
    if (converted) return journey.at('done', 'converted: the lead placed an order');
    if (journey.historyIsLong()) {
      return continueAsNew<typeof leadNurture>({ customerId, config, historyLimit, carried: journey.carry({ topics, sentPieceIds }) });
    }
  }
  journey.at('done', `all ${config.maxPieces} pieces sent`);
}
