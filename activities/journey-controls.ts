import type { Pool, PoolClient } from 'pg';
import { enabledByDefault, type JourneysConfig } from '../config/journeys';

/**
 * The shop's run-time switch per journey (table journey_controls, db/migrations/070). A journey
 * without a row follows its `enabled` setting; POST /v1/journeys/:name/pause and /resume write
 * a row. Read by dispatch (a paused journey starts no new runs) and by the send path (a paused
 * journey's sends are skipped, `journey_paused`), in every API and worker process.
 */
export interface JourneyControl {
  journey: string;
  paused: boolean;
  changedAt: string | null;
  forced: boolean;
  /** where `paused` comes from: a call of the API, or the configuration (`enabled`) */
  source: 'api' | 'config';
}

interface ControlRow {
  journey: string;
  paused: boolean;
  changed_at: Date;
  forced: boolean;
}

/** One journey's switch as it stands now. */
export async function journeyControl(db: Pool | PoolClient, config: JourneysConfig, journey: string): Promise<JourneyControl> {
  const { rows } = await db.query<ControlRow>('SELECT journey, paused, changed_at, forced FROM journey_controls WHERE journey = $1', [journey]);
  return toControl(config, journey, rows[0]);
}

/** Every journey's switch that differs from nothing: rows by journey name. */
export async function journeyControls(db: Pool, config: JourneysConfig, journeys: string[]): Promise<Map<string, JourneyControl>> {
  const { rows } = await db.query<ControlRow>('SELECT journey, paused, changed_at, forced FROM journey_controls WHERE journey = ANY($1)', [journeys]);
  const byName = new Map(rows.map((r) => [r.journey, r]));
  return new Map(journeys.map((j) => [j, toControl(config, j, byName.get(j))]));
}

/** Pause or resume; returns the switch as written. Idempotent: the same call twice changes nothing more. */
export async function setJourneyPaused(
  db: Pool,
  config: JourneysConfig,
  journey: string,
  paused: boolean,
  options: { forced?: boolean } = {},
): Promise<JourneyControl> {
  const { rows } = await db.query<ControlRow>(
    `INSERT INTO journey_controls (journey, paused, forced) VALUES ($1, $2, $3)
     ON CONFLICT (journey) DO UPDATE
       SET paused = EXCLUDED.paused, forced = EXCLUDED.forced,
           changed_at = CASE WHEN journey_controls.paused = EXCLUDED.paused THEN journey_controls.changed_at ELSE now() END
     RETURNING journey, paused, changed_at, forced`,
    [journey, paused, options.forced ?? false],
  );
  return toControl(config, journey, rows[0]);
}

function toControl(config: JourneysConfig, journey: string, row: ControlRow | undefined): JourneyControl {
  if (!row) return { journey, paused: !enabledByDefault(config, journey), changedAt: null, forced: false, source: 'config' };
  return { journey, paused: row.paused, changedAt: row.changed_at.toISOString(), forced: row.forced, source: 'api' };
}

/**
 * Which journeys are paused, as dispatch asks for every event it routes: the whole table,
 * read at most once per `ttlMs` (one small query a second per relay, not one per event). A
 * pause therefore reaches every API process within `ttlMs` plus a relay pass.
 */
export class PausedJourneys {
  private cached: { at: number; paused: Set<string>; explicit: Set<string> } | undefined;
  private loading: Promise<{ paused: Set<string>; explicit: Set<string> }> | undefined;

  constructor(
    private readonly db: Pool,
    private readonly config: JourneysConfig,
    private readonly ttlMs = 1_000,
  ) {}

  async isPaused(journey: string): Promise<boolean> {
    const { paused, explicit } = await this.current();
    return explicit.has(journey) ? paused.has(journey) : !enabledByDefault(this.config, journey);
  }

  private async current(): Promise<{ paused: Set<string>; explicit: Set<string> }> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached;
    this.loading ??= this.db
      .query<{ journey: string; paused: boolean }>('SELECT journey, paused FROM journey_controls')
      .then(({ rows }) => {
        const loaded = {
          paused: new Set(rows.filter((r) => r.paused).map((r) => r.journey)),
          explicit: new Set(rows.map((r) => r.journey)),
        };
        this.cached = { at: Date.now(), ...loaded };
        return loaded;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
