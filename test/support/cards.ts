import { strict as assert } from 'node:assert';
import * as AC from 'adaptivecards';
import type { Card } from '../../cards/render';
import type { ReleaseHandlers } from '../../bot/teams/handlers';
import { releaseRoutes } from '../../bot/teams/routes';
import { mergeRoutes } from '../../bot/teams/router';
import type { SignoffHandlers } from '../../bot/teams/signoffHandlers';
import { signoffRoutes } from '../../bot/teams/signoffRoutes';

/** Teams refuses cards larger than about 28 KB. */
export const TEAMS_CARD_LIMIT = 28 * 1024;

/** What the adaptivecards parser finds wrong with a card. */
export function parseProblems(card: Card): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i += 1) problems.push(context.getEventAt(i).message);
  for (const issue of parsed.validateProperties().validationEvents) problems.push(issue.message);
  return problems;
}

/** Every Action.Execute anywhere in a card, the refresh action included. */
export function actionsOf(card: unknown): Array<Record<string, unknown>> {
  const actions: Array<Record<string, unknown>> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.type === 'Action.Execute') actions.push(obj);
      Object.values(obj).forEach(walk);
    }
  };
  walk(card);
  return actions;
}

/** Every Action.Execute verb anywhere in a card, the refresh action included. */
export function verbsOf(card: unknown): string[] {
  return actionsOf(card).map((a) => String(a.verb));
}

/** Parses cleanly, has nothing unbound, Universal Actions only, fits in Teams, and every verb has a route. */
export function expectWellFormedCard(name: string, card: Card, routed: ReadonlySet<string>): void {
  const json = JSON.stringify(card);
  assert.deepEqual(parseProblems(card), [], `${name}: the adaptivecards parser finds no problem`);
  assert.doesNotMatch(json, /\$\{/, `${name}: no unbound \${...} left`);
  assert.doesNotMatch(json, /"\$(data|when)"/, `${name}: no template directives left`);
  assert.doesNotMatch(json, /Action\.Submit/, `${name}: Action.Execute only`);
  assert.ok(Number(card.version) >= 1.4, `${name}: Universal Actions need schema 1.4 or later`);
  assert.ok(json.length < TEAMS_CARD_LIMIT, `${name}: ${json.length} bytes is under the Teams card limit`);
  for (const verb of verbsOf(card)) assert.ok(routed.has(verb), `${name}: verb ${verb} has a route`);
}

/** Building the route tables calls no handler, so none is needed to learn the verb names. */
const signoffVerbs = new Set(Object.keys(mergeRoutes(releaseRoutes({} as ReleaseHandlers), signoffRoutes({} as SignoffHandlers)).verbs));

/** The checks for the sign-off cards, whose buttons run release and sign-off verbs. */
export function expectWellFormed(name: string, card: Card): void {
  expectWellFormedCard(name, card, signoffVerbs);
}

/** A link a person might type: a label that reads like a trusted address, and another target. */
export const DISGUISED_LINK = '[https://portal.azure.com](https://evil.test)';

/** The card shows the real target of a disguised link, and none of the link markup it was typed with. */
export function expectRealTarget(name: string, card: Card, text: (card: Card) => string): void {
  const shown = text(card);
  assert.ok(shown.includes('https://evil.test'), `${name}: the real target is shown`);
  assert.doesNotMatch(shown, /\]\(https:\/\/evil\.test/, `${name}: no link markup from what a person typed`);
  assert.doesNotMatch(JSON.stringify(card), /\]\(https:\/\/evil\.test/, `${name}: nowhere on the card`);
}

/** Every element or action of this type anywhere in a card, hidden ones and those in a shown card included. */
export function nodesOfType(card: unknown, type: string): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.type === type) found.push(obj);
      Object.values(obj).forEach(walk);
    }
  };
  walk(card);
  return found;
}
