import { strict as assert } from 'node:assert';
import type { Person } from '../../bot/release/model';
import { findAction, type Harness } from './liftoff';
import { SignoffDriver } from './signoff';
import type { Place } from './teams';

/**
 * What the tab specs start from, made through the bot: Liftoff installed in two teams, Payroll API created in the
 * first with Tom as its migration engineer and Bea as its business owner, and a UAT cycle open with Tom as its one
 * tester, so his decision waits for him in the tab.
 */
export async function payrollWithTomTesting(h: Harness, people: { priya: Person; bea: Person; tom: Person; eve: Person }, alpha: Place, beta: Place): Promise<void> {
  const { priya, bea, tom, eve } = people;
  await h.post(h.activities.installation(priya, 'add', alpha));
  await h.post(h.activities.installation(eve, 'add', beta));
  await h.say(h.activities.message(priya, 'new Payroll API', alpha));
  const roles = findAction(await h.say(h.activities.message(priya, 'roles Payroll API', alpha)), 'roles.save');
  await h.post(h.activities.execute(priya, 'roles.save', { ...roles.data, role: 'migrationEngineer', people: tom.aadObjectId }, alpha));
  const signoff = new SignoffDriver(h, alpha);
  await signoff.assignBusinessOwner(priya, 'Payroll API', bea);
  const opened = await signoff.open(priya, 'Payroll API', { testers: [tom], dueDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) });
  assert.ok(opened.cycleId, `the cycle opened: ${JSON.stringify(opened.answer).slice(0, 600)}`);
}
