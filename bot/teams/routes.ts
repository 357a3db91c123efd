import type { Card } from '../../cards/render';
import type { Workload } from '../release/model';
import type { ReleaseHandlers, VerbOutcome } from './handlers';
import { missingWorkload } from './handlers';
import type { Verb, VerbData } from './payloads';
import type { Turn } from './turn';

/** A typed message command: the words after the command name, answered with a card. */
export type CommandHandler = (turn: Turn, args: string) => Promise<Card>;
/** An Action.Execute verb: validated card data, answered with a card. */
export type VerbHandler<V extends Verb> = (turn: Turn, data: VerbData<V>) => Promise<VerbOutcome>;
export type VerbTable = { [V in Verb]: VerbHandler<V> };

const isCard = (value: Workload | Card): value is Card => (value as Workload).type !== 'workload';

/** The message commands Liftoff understands; the manifest's command list names the same ones. */
export function commandRoutes(h: ReleaseHandlers): Record<string, CommandHandler> {
  const withWorkload =
    (command: string, show: (turn: Turn, w: Workload) => Card | Promise<Card>): CommandHandler =>
    async (turn, args) => {
      const found = await h.resolve(turn, args, command);
      return isCard(found) ? found : show(turn, found);
    };
  return {
    help: async () => h.help(),
    new: (turn, args) => h.create(turn, args),
    list: (turn) => h.list(turn),
    status: withWorkload('status', (_turn, w) => h.checklist(w)),
    roles: withWorkload('roles', (turn, w) => h.roles(turn, w)),
    history: withWorkload('history', (_turn, w) => h.history(w)),
  };
}

/** The card verbs: one small handler each. */
export function verbRoutes(h: ReleaseHandlers): VerbTable {
  const show =
    (render: (turn: Turn, w: Workload) => Card | Promise<Card>) =>
    async (turn: Turn, data: { workloadId: string }): Promise<VerbOutcome> => {
      const workload = await h.byId(turn, data.workloadId);
      return { card: workload ? await render(turn, workload) : missingWorkload() };
    };
  return {
    'help.show': async () => ({ card: h.help() }),
    'workload.list': async (turn) => ({ card: await h.list(turn) }),
    'workload.create': async (turn, data) => ({ card: await h.create(turn, data.name) }),
    'workload.status': show((_turn, w) => h.checklist(w)),
    'roles.show': show((turn, w) => h.roles(turn, w)),
    'history.show': show((_turn, w) => h.history(w)),
    'gate.decide': (turn, data) => h.decideGate(turn, data),
    'roles.save': (turn, data) => h.saveRoles(turn, data),
  };
}
