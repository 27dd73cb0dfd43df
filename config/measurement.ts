import { z } from 'zod';

/**
 * A/B tests inside a step, and holdout groups per journey (JOURNEYS_CONFIG_FILE `experiments`
 * and `holdouts`). Read by the send path at send time: assignment is a hash of the customer
 * (activities/experiments.ts), so a journey never carries any of it in its workflow state and
 * changing these settings never touches a running workflow's history.
 */
const name = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, . _ -');

export const VariantSchema = z
  .object({
    name,
    /** relative share of the step's recipients (weights 1 and 1 → half each) */
    weight: z.number().positive().max(1_000_000).default(1),
    /** replaces the template's subject line */
    subject: z.string().min(1).max(300).optional(),
    /** another registered template for this step (it gets the same data) */
    template: z.string().min(1).max(100).optional(),
    /** the offer: the coupon's discount when the step carries one */
    couponPercentOff: z.number().min(1).max(100).optional(),
  })
  .strict();

export const ExperimentSchema = z
  .object({
    /** stable id: part of the assignment hash, so renaming it reshuffles the customers */
    id: name,
    journey: name,
    step: name,
    /** the first variant is the control: results compare the others with it */
    variants: z
      .array(VariantSchema)
      .min(2)
      .max(10)
      .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, 'variant names must be unique'),
    /** what decides the winner and the significance shown */
    metric: z.enum(['open', 'click', 'conversion']).default('click'),
    /** optional: once every variant has `minRecipientsPerVariant` and the leader beats each other variant at `confidence`, new sends get the leader */
    autoWinner: z
      .object({
        minRecipientsPerVariant: z.number().int().min(1).default(500),
        confidence: z.number().min(0.5).max(0.9999).default(0.9),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ExperimentsSchema = z
  .array(ExperimentSchema)
  .default([])
  .refine((es) => new Set(es.map((e) => e.id)).size === es.length, 'experiment ids must be unique')
  .refine((es) => new Set(es.map((e) => `${e.journey}/${e.step}`)).size === es.length, 'one experiment per journey step');

export const HoldoutsSchema = z
  .record(name, z.object({ percent: z.number().min(0).max(50) }).strict())
  .default({})
  .describe('per journey: the share of entrants (percent) kept as a control group that gets none of its marketing');

export type Experiment = z.infer<typeof ExperimentSchema>;
export type Variant = Experiment['variants'][number];
export type Holdouts = z.infer<typeof HoldoutsSchema>;
