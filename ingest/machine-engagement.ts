/**
 * Opens and clicks no person made. Pure: the same hit and history always give the same verdict.
 *
 * - Apple Mail Privacy Protection fetches every image of a message when it arrives, through
 *   Apple's proxies: from Apple's network (17.0.0.0/8) with a bare `Mozilla/5.0` user agent.
 *   The open says nothing about the reader.
 * - Security scanners (Microsoft Defender Safe Links, Mimecast, Proofpoint, Barracuda, …) follow
 *   every link of a message within seconds of its delivery, often with HEAD requests or a tool's
 *   user agent. A person cannot click two different links of one email within a few seconds,
 *   nor click within a few seconds of our send.
 *
 * What is machine-made is kept (machine_opened_at / machine_clicked_at, message_engagements) but
 * never counts: not in opened/clicked rates, not as engagement for win-back or sunset, and it
 * sends no engagement event to a journey. These are heuristics: a flagged hit is likely a
 * machine, an unflagged one is not proof of a person.
 */
import type { JourneysConfig } from '../config/journeys';
import { toMs } from '../shared/durations';

export type MachineReason =
  | 'apple_mail_privacy_protection'
  | 'scanner_user_agent'
  | 'head_request'
  | 'clicked_within_seconds_of_send'
  | 'every_link_within_seconds';

export interface EngagementHit {
  kind: 'open' | 'click';
  at: Date;
  /** when we handed the message to the provider */
  sentAt: Date | null;
  userAgent?: string;
  ip?: string;
  method?: string;
  /** the link clicked (`#<index>`), when known */
  link?: string | null;
}

export interface MachineSettings {
  /** a click this soon after the send is a scanner's */
  clickWithinMs: number;
  /** two different links of one message clicked this close together: a scanner */
  linkBurstMs: number;
}

export const defaultMachineSettings: MachineSettings = { clickWithinMs: 5_000, linkBurstMs: 5_000 };

/** The journeys config's engagement section as the classifier takes it. */
export function machineSettings(engagement: JourneysConfig['engagement']): MachineSettings {
  return { clickWithinMs: toMs(engagement.machineClickWithin), linkBurstMs: toMs(engagement.linkBurstWithin) };
}

const SCANNER_AGENTS =
  /bot\b|crawler|spider|scanner|barracuda|mimecast|proofpoint|safelinks|urldefense|forcepoint|trendmicro|symantec|sophos|python-requests|python-urllib|curl\/|wget|go-http-client|java\/|okhttp|libwww|headlesschrome|phantomjs/i;

export function isAppleNetwork(ip: string | undefined): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return /^17\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Why this hit is a machine's, or null. `earlierClicks`: the message's clicks before this one.
 */
export function machineReason(
  hit: EngagementHit,
  earlierClicks: { link: string | null; at: Date }[],
  settings: MachineSettings = defaultMachineSettings,
): MachineReason | null {
  const agent = hit.userAgent?.trim() ?? '';
  if (hit.method === 'HEAD') return 'head_request';
  if (agent && SCANNER_AGENTS.test(agent)) return 'scanner_user_agent';
  if (hit.kind === 'open') {
    return isAppleNetwork(hit.ip) || agent === 'Mozilla/5.0' ? 'apple_mail_privacy_protection' : null;
  }
  if (hit.sentAt) {
    const sinceSend = hit.at.getTime() - hit.sentAt.getTime();
    // A negative gap is two clocks disagreeing (a provider's timestamp), not evidence.
    if (sinceSend >= 0 && sinceSend < settings.clickWithinMs) return 'clicked_within_seconds_of_send';
  }
  if (hit.link) {
    const burst = earlierClicks.some(
      (c) => c.link && c.link !== hit.link && Math.abs(hit.at.getTime() - c.at.getTime()) < settings.linkBurstMs,
    );
    if (burst) return 'every_link_within_seconds';
  }
  return null;
}
