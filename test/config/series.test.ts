import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JourneysConfigSchema, defaultJourneysConfig, loadJourneysConfig } from '../../config/journeys';

const cart = (section: unknown) => JourneysConfigSchema.parse({ abandonedCart: section }).abandonedCart;

/** Loads a JOURNEYS_CONFIG_FILE the way the worker does at start. */
function load(content: unknown) {
  const file = join(mkdtempSync(join(tmpdir(), 'series-')), 'journeys.json');
  writeFileSync(file, JSON.stringify(content));
  return () => loadJourneysConfig(file);
}

test('abandoned cart: by default the two reminders of before (4 h; 20 h later 10 % off for 48 h)', () => {
  assert.deepEqual(defaultJourneysConfig.abandonedCart.reminders, [
    { after: '4 hours' },
    { after: '20 hours', offer: { percentOff: 10, validity: '48 hours' } },
  ]);
  assert.deepEqual(defaultJourneysConfig.abandonedCart.sendWindows, { 'first-reminder': 'standard', 'second-reminder': 'standard', 'third-reminder': 'standard' });
});

test('abandoned cart: the older keys of a shop file still apply, each one left out keeps its default', () => {
  assert.deepEqual(cart({ firstReminderAfter: '2 hours', discountPercentOff: 15 }).reminders, [
    { after: '2 hours' },
    { after: '20 hours', offer: { percentOff: 15, validity: '48 hours' } },
  ]);
  assert.deepEqual(cart({ secondReminderAfter: '1 day', discountValidity: '3 days' }).reminders, [
    { after: '4 hours' },
    { after: '1 day', offer: { percentOff: 10, validity: '3 days' } },
  ]);
});

test('abandoned cart: 1 to 3 reminders, each with its delay and optional offer', () => {
  assert.deepEqual(cart({ reminders: [{ after: '1 hour' }] }).reminders, [{ after: '1 hour' }]);
  const three = [{ after: '4 hours' }, { after: '20 hours' }, { after: '2 days', offer: { percentOff: 15, validity: '24 hours' } }];
  assert.deepEqual(cart({ reminders: three }).reminders, three);
});

test('abandoned cart: a bad series is refused at start with a message that says what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [{ reminders: [] }, /abandonedCart\.reminders: an abandoned-cart series has 1 to 3 reminders/],
    [{ reminders: [{ after: '1 hour' }, { after: '1 hour' }, { after: '1 hour' }, { after: '1 hour' }] }, /abandonedCart\.reminders: an abandoned-cart series has 1 to 3 reminders/],
    [{ reminders: [{ after: 'soon' }] }, /abandonedCart\.reminders\.0\.after: a duration such as/],
    [{ reminders: [{ after: '1 hour', offer: { percentOff: 150, validity: '1 day' } }] }, /abandonedCart\.reminders\.0\.offer\.percentOff/],
    [{ reminders: [{ after: '1 hour', offer: { percentOff: 10 } }] }, /abandonedCart\.reminders\.0\.offer\.validity/],
    [{ reminders: [{ after: '1 hour', discount: 10 }] }, /abandonedCart\.reminders\.0/],
    [
      { reminders: [{ after: '1 hour' }], firstReminderAfter: '2 hours', discountPercentOff: 5 },
      /abandonedCart\.reminders: set either reminders or the older firstReminderAfter, discountPercentOff, not both/,
    ],
    [{ sendWindows: { 'fourth-reminder': 'standard' } }, /abandonedCart\.sendWindows/],
  ];
  for (const [section, message] of cases) {
    assert.throws(load({ abandonedCart: section }), (e: Error) => /JOURNEYS_CONFIG_FILE .* is invalid/.test(e.message) && message.test(e.message), JSON.stringify(section));
  }
});

const welcomeSection = (section: unknown) => JourneysConfigSchema.parse({ welcome: section }).welcome;

test('welcome: the last nudge is on by default, 14 days after sign-up with bestsellers; configurable and off with false', () => {
  assert.deepEqual(defaultJourneysConfig.welcome.lastNudge, { after: '14 days', pick: 'bestsellers' });
  assert.equal(defaultJourneysConfig.welcome.sendWindows['welcome-last-nudge'], 'standard');
  assert.deepEqual(welcomeSection({ lastNudge: { pick: 'content' } }).lastNudge, { after: '14 days', pick: 'content' });
  assert.deepEqual(welcomeSection({ lastNudge: { after: '10 days' } }).lastNudge, { after: '10 days', pick: 'bestsellers' });
  assert.equal(welcomeSection({ lastNudge: false }).lastNudge, false);
});

test('welcome: a bad last nudge is refused at start with a message that says what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [{ lastNudge: { pick: 'discount' } }, /welcome\.lastNudge/],
    [{ lastNudge: true }, /welcome\.lastNudge/],
    [{ lastNudge: { after: 'later' } }, /welcome\.lastNudge/],
    [{ lastNudge: { after: '2 days' } }, /welcome\.lastNudge\.after: the last nudge \(2 days after sign-up\) must come after the reminder \(reminderAfter 3 days\)/],
    [{ reminderAfter: '20 days' }, /welcome\.lastNudge\.after: the last nudge \(14 days after sign-up\) must come after the reminder \(reminderAfter 20 days\); false turns it off/],
  ];
  for (const [section, message] of cases) {
    assert.throws(load({ welcome: section }), (e: Error) => /JOURNEYS_CONFIG_FILE .* is invalid/.test(e.message) && message.test(e.message), JSON.stringify(section));
  }
  assert.doesNotThrow(load({ welcome: { reminderAfter: '20 days', lastNudge: false } }));
});
