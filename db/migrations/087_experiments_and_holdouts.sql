-- A/B tests inside a step and holdout groups per journey (config: JOURNEYS_CONFIG_FILE
-- `experiments`, `holdouts`). The send path decides both at send time from a hash of the
-- customer and records the decision on the message, so results are counted from the log.
--
-- experiment_id / variant: the experiment the message took part in and the variant it got;
-- variant_phase: 'test' while the experiment runs (these count in its results), 'winner'
-- once a winner was decided (new sends get the winner; they do not count as evidence).
-- holdout_group: 'control' (the message was withheld: status skipped, reason holdout) or
-- 'treated', for marketing messages of a journey with a holdout.
ALTER TABLE messages ADD COLUMN experiment_id text;
ALTER TABLE messages ADD COLUMN variant text;
ALTER TABLE messages ADD COLUMN variant_phase text CHECK (variant_phase IN ('test', 'winner'));
ALTER TABLE messages ADD COLUMN holdout_group text CHECK (holdout_group IN ('control', 'treated'));
CREATE INDEX messages_experiment_idx ON messages (experiment_id, variant) WHERE experiment_id IS NOT NULL;
CREATE INDEX messages_holdout_idx ON messages (journey, holdout_group) WHERE holdout_group IS NOT NULL;

-- An auto-winner decision, once per experiment: what won, on which evidence.
CREATE TABLE experiment_decisions (
  experiment_id  text PRIMARY KEY,
  winner         text NOT NULL,
  metric         text NOT NULL,
  confidence     double precision NOT NULL,
  decided_at     timestamptz NOT NULL DEFAULT now(),
  evidence       jsonb NOT NULL
);
