import { strict as assert } from 'node:assert';
import * as AC from 'adaptivecards';
import type { Card } from '../../cards/render';
import type { ReleaseHandlers } from '../../bot/teams/handlers';
import { mergeRoutes, releaseRoutes } from '../../bot/teams/routes';
import type { SignoffHandlers } from '../../bot/teams/signoffHandlers';
import { signoffRoutes } from '../../bot/teams/signoffRoutes';

/** Teams refuses cards larger than about 28 KB. */
export const TEAMS_CARD_LIMIT = 28 * 1024;

/** Building the route tables calls no handler, so none is needed to learn the verb names. */
const routedVerbs = new Set(Object.keys(mergeRoutes(releaseRoutes({} as ReleaseHandlers), signoffRoutes({} as SignoffHandlers)).verbs));

/** What the `adaptivecards` parser finds wrong with a card (unknown elements, bad values, missing labels). */
export function parseProblems(card: Card): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i += 1) problems.push(context.getEventAt(i).message);
  for (const issue of parsed.validateProperties().validationEvents) problems.push(issue.message);
  return problems;
}

/** The verbs of every Action.Execute in a card, its refresh action included. */
export function verbsOf(card: unknown): string[] {
  const verbs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.type === 'Action.Execute') verbs.push(String(obj.verb));
      Object.values(obj).forEach(walk);
    }
  };
  walk(card);
  return verbs;
}

/** The checks every card template must pass once expanded with real data. */
export function expectWellFormed(name: string, card: Card): void {
  const json = JSON.stringify(card);
  assert.deepEqual(parseProblems(card), [], `${name}: the adaptivecards parser finds no problem`);
  assert.doesNotMatch(json, /\$\{/, `${name}: no unbound \${...} left`);
  assert.doesNotMatch(json, /"\$(data|when)"/, `${name}: no template directives left`);
  assert.ok(Number(card.version) >= 1.4, `${name}: Universal Actions need schema 1.4 or later`);
  assert.ok(json.length < TEAMS_CARD_LIMIT, `${name}: ${json.length} bytes is under the Teams card limit`);
  for (const verb of verbsOf(card)) assert.ok(routedVerbs.has(verb), `${name}: verb ${verb} has a route`);
}
