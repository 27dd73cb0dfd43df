import type { Context as ActivityContext } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * A worker that dies (killed, OOM, machine lost) can't report its running activities as failed;
 * without heartbeats Temporal only notices when the start-to-close timeout passes, a minute for a
 * send. Heartbeating while any activity runs lets activities with a heartbeat timeout be retried
 * on another worker within that timeout instead.
 */
export const HEARTBEAT_EVERY_MS = 2_000;

export const heartbeatWhileRunning: ActivityInterceptorsFactory = (ctx: ActivityContext) => ({
  inbound: {
    async execute(input, next) {
      // The first beat comes after HEARTBEAT_EVERY_MS, not at once: the heartbeat timeout counts
      // from the start anyway, and most activities (a send: milliseconds) finish long before,
      // so a beat at the start would only add a server call (and a write of its state) to each.
      const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});
