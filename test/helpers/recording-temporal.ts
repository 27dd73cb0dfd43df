import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** One Temporal call the relay made: which workflow, for which event. */
export interface RecordedCall {
  kind: 'signalWithStart' | 'signal';
  workflowId: string;
  eventId: string;
  customerId: string;
  /** the priority key a start asked for */
  priorityKey?: number;
}

/**
 * A stand-in for the Temporal client that records the relay's calls in the order they were
 * made, and fails the calls `fail` picks (a poison event, an outage). Enough of the client for
 * dispatch: `withDeadline`, `workflow.signalWithStart`, `workflow.getHandle().signal`.
 */
export function recordingTemporal(
  fail: (call: RecordedCall) => Error | undefined = () => undefined,
  /** holds a call until the promise it returns settles (a saturated Temporal) */
  hold: (call: RecordedCall) => Promise<void> | undefined = () => undefined,
  /** workflow ids whose journey has ended: a signal to one is answered "not found", as Temporal does */
  ended: ReadonlySet<string> = new Set(),
) {
  const calls: RecordedCall[] = [];
  /** what each signal-with-start gave the workflow as its input, in order */
  const inputs: { workflowId: string; input: unknown }[] = [];
  /** calls begun (recorded before any hold), in order */
  const begun: RecordedCall[] = [];
  const record = async (call: RecordedCall) => {
    begun.push(call);
    await hold(call);
    const err =
      call.kind === 'signal' && ended.has(call.workflowId)
        ? new WorkflowNotFoundError('workflow execution already completed', call.workflowId, undefined)
        : fail(call);
    if (err) throw err;
    calls.push(call);
  };
  const eventOf = (arg: unknown) => arg as { id: string; customerId: string };
  const client = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: {
      async signalWithStart(_workflow: unknown, options: { workflowId: string; args?: unknown[]; signalArgs: unknown[]; priority?: { priorityKey?: number } }) {
        const event = eventOf(options.signalArgs[0]);
        await record({ kind: 'signalWithStart', workflowId: options.workflowId, eventId: event.id, customerId: event.customerId, priorityKey: options.priority?.priorityKey });
        inputs.push({ workflowId: options.workflowId, input: options.args?.[0] });
        return { workflowId: options.workflowId };
      },
      getHandle(workflowId: string) {
        return {
          workflowId,
          async signal(_signal: unknown, arg: unknown) {
            const event = eventOf(arg);
            await record({ kind: 'signal', workflowId, eventId: event.id, customerId: event.customerId });
          },
        };
      },
    },
  };
  return { client: client as unknown as Client, calls, begun, inputs };
}

/** The event ids in the order their first Temporal call happened. */
export function dispatchOrder(calls: RecordedCall[], customerId?: string): string[] {
  const seen: string[] = [];
  for (const c of calls) if ((!customerId || c.customerId === customerId) && !seen.includes(c.eventId)) seen.push(c.eventId);
  return seen;
}
