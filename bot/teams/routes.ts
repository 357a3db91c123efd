import type { z } from 'zod';
import type { Card } from '../../cards/render';
import type { Workload } from '../release/model';
import type { ReleaseHandlers, VerbOutcome } from './handlers';
import { missingWorkload } from './handlers';
import { releaseVerbData } from './payloads';
import type { Turn } from './turn';

/** A typed message command: the words after the command name, answered with a card. */
export type CommandHandler = (turn: Turn, args: string) => Promise<Card>;

/** An Action.Execute verb: the schema its card data must pass, and the handler that gets the typed value. */
export interface VerbRoute<S extends z.ZodType = z.ZodType> {
  schema: S;
  handle(turn: Turn, data: z.infer<S>): Promise<VerbOutcome>;
}

/** Pairs a schema with its handler, keeping the handler's argument typed. */
export function verb<S extends z.ZodType>(schema: S, handle: (turn: Turn, data: z.infer<S>) => Promise<VerbOutcome>): VerbRoute<S> {
  return { schema, handle };
}

/** What one capability adds to the bot: its message commands and its card verbs. */
export interface Routes {
  commands: Record<string, CommandHandler>;
  verbs: Record<string, VerbRoute>;
}

/** Joins the route tables of every capability; a name claimed twice is a wiring mistake, caught at start-up. */
export function mergeRoutes(...tables: Routes[]): Routes {
  const merged: Routes = { commands: {}, verbs: {} };
  for (const table of tables) {
    for (const [name, handler] of Object.entries(table.commands)) {
      if (name in merged.commands) throw new Error(`command "${name}" is routed twice`);
      merged.commands[name] = handler;
    }
    for (const [name, route] of Object.entries(table.verbs)) {
      if (name in merged.verbs) throw new Error(`verb "${name}" is routed twice`);
      merged.verbs[name] = route;
    }
  }
  return merged;
}

const isCard = (value: Workload | Card): value is Card => (value as Workload).type !== 'workload';

/** The release commands and verbs: workloads, the checklist, roles, gates and history. */
export function releaseRoutes(h: ReleaseHandlers): Routes {
  const withWorkload =
    (command: string, show: (turn: Turn, w: Workload) => Card | Promise<Card>): CommandHandler =>
    async (turn, args) => {
      const found = await h.resolve(turn, args, command);
      return isCard(found) ? found : show(turn, found);
    };
  const show = (render: (turn: Turn, w: Workload) => Card | Promise<Card>) =>
    verb(releaseVerbData.workloadRef, async (turn, data) => {
      const workload = await h.byId(turn, data.workloadId);
      return { card: workload ? await render(turn, workload) : missingWorkload() };
    });
  return {
    commands: {
      help: async () => h.help(),
      new: (turn, args) => h.create(turn, args),
      list: (turn) => h.list(turn),
      status: withWorkload('status', (turn, w) => h.checklist(turn, w)),
      roles: withWorkload('roles', (turn, w) => h.roles(turn, w)),
      history: withWorkload('history', (_turn, w) => h.history(w)),
    },
    verbs: {
      'help.show': verb(releaseVerbData.none, async () => ({ card: h.help() })),
      'workload.list': verb(releaseVerbData.none, async (turn) => ({ card: await h.list(turn) })),
      'workload.create': verb(releaseVerbData.create, async (turn, data) => ({ card: await h.create(turn, data.name) })),
      'workload.status': show((turn, w) => h.checklist(turn, w)),
      'roles.show': show((turn, w) => h.roles(turn, w)),
      'history.show': show((_turn, w) => h.history(w)),
      'gate.decide': verb(releaseVerbData.gateDecide, (turn, data) => h.decideGate(turn, data)),
      'roles.save': verb(releaseVerbData.rolesSave, (turn, data) => h.saveRoles(turn, data)),
    },
  };
}
