import type { z } from 'zod';
import { Card, Notice, renderMessage } from '../../cards/render';
import type { Workload } from '../release/model';
import type { Turn } from './turn';

/** What a card action answers: the card for the person who pressed, and whether everyone's copy should change too. */
export interface VerbOutcome {
  card: Card;
  /** When set, the message holding the card is updated in place for everyone after the answer. */
  shareWithEveryone?: boolean;
  /** Set by the router when the workload the action names is not there for this person (the turn's outcome). */
  workloadMissing?: boolean;
}

/** What a command answers, and which workload it read (for the turn's span) or that the one named is not there. */
export interface CommandOutcome {
  card: Card;
  workloadId?: string;
  workloadMissing?: boolean;
}

/** A banner on top of a card: what just happened, good news or something to look at. */
export const good = (text: string): Notice => ({ text, tone: 'good' });
export const attention = (text: string): Notice => ({ text, tone: 'attention' });
/** A plain pointer to the next step: nothing changed, and nothing was wrong. */
export const info = (text: string): Notice => ({ text, tone: 'info' });

/**
 * The banner for what a person's action did: good news only for a change that happened and moved things
 * forward; a refusal, a repeat that changed nothing, or a setback (a failed gate) asks for attention.
 */
export function outcomeBanner(kind: 'changed' | 'unchanged' | 'refused', text: string, setback = false): Notice {
  return kind === 'changed' && !setback ? good(text) : attention(text);
}

/** The most of a person's typed words a reply repeats back. */
const ECHO_CHARS = 40;

/** Typed text as a reply may repeat it: at most ECHO_CHARS characters, an ellipsis when cut. */
export function echo(typed: string): string {
  const chars = Array.from(typed);
  return chars.length > ECHO_CHARS ? `${chars.slice(0, ECHO_CHARS - 1).join('')}…` : typed;
}

export const missingWorkload = (): Card => renderMessage('That workload no longer exists or is not part of your organization. Type list to see the workloads here.');

/** How the router reads what a command or a card names, always through the scope-checked load. */
export interface WorkloadAccess {
  /** The workload named by card data, when this person may see it. */
  open(turn: Turn, workloadId: string): Promise<Workload | undefined>;
  /** The workload a person typed the name of (or the only one here), or the card that says why there is none. */
  resolve(turn: Turn, name: string, command: string): Promise<Workload | Card>;
}

/**
 * A view only draws a card (an automatic refresh may run it); a change may store something, so an
 * automatic refresh never runs it: it gets the route's `refresh` view instead, or a sentence.
 */
export type VerbKind = 'view' | 'change';

type Handler = (turn: Turn, data: unknown, workload: Workload | undefined) => Promise<VerbOutcome>;

/** An Action.Execute verb: the schema its card data must pass, what it loads, and the handler that gets the typed values. */
export interface VerbRoute {
  schema: z.ZodType;
  kind: VerbKind;
  /** The card data names a workload (`workloadId`): read through the scope-checked load before the handler runs. */
  loadsWorkload: boolean;
  handle: Handler;
  /** What an automatic refresh of a change verb draws instead (for instance the person's own view). */
  refresh?: Handler;
}

/** A verb whose data names no workload. */
export function verb<S extends z.ZodType>(schema: S, handle: (turn: Turn, data: z.infer<S>) => Promise<VerbOutcome>, kind: VerbKind = 'change'): VerbRoute {
  return { schema, kind, loadsWorkload: false, handle: (turn, data) => handle(turn, data as z.infer<S>) };
}

/** A verb on one workload: the handler runs only when the person may see the workload its data names. */
export function workloadVerb<S extends z.ZodType<{ workloadId: string }>>(
  schema: S,
  handle: (turn: Turn, data: z.infer<S>, workload: Workload) => Promise<VerbOutcome>,
  options: { kind?: VerbKind; refresh?: (turn: Turn, data: z.infer<S>, workload: Workload) => Promise<VerbOutcome> } = {},
): VerbRoute {
  const typed =
    (h: (turn: Turn, data: z.infer<S>, workload: Workload) => Promise<VerbOutcome>): Handler =>
    (turn, data, workload) =>
      h(turn, data as z.infer<S>, workload as Workload);
  return { schema, kind: options.kind ?? 'change', loadsWorkload: true, handle: typed(handle), ...(options.refresh ? { refresh: typed(options.refresh) } : {}) };
}

/** What a verb names inside a workload (a UAT cycle, a retro, a notice), and the card that says it is gone. */
export interface Loader<D, T> {
  load(workload: Workload, data: D): Promise<T | undefined>;
  missing(): Card;
}

/**
 * A verb on something inside a workload: after the workload's scope check, the router reads what the data
 * names in that workload's partition; the handler runs only when it exists, with both.
 */
export function entityVerb<S extends z.ZodType<{ workloadId: string }>, T>(
  schema: S,
  loader: Loader<z.infer<S>, T>,
  handle: (turn: Turn, data: z.infer<S>, entity: T, workload: Workload) => Promise<VerbOutcome>,
  options: { kind?: VerbKind } = {},
): VerbRoute {
  return workloadVerb(
    schema,
    async (turn, data, workload) => {
      const entity = await loader.load(workload, data);
      return entity === undefined ? { card: loader.missing() } : handle(turn, data, entity, workload);
    },
    options,
  );
}

/** A typed message command: the words after the command name, answered with a card. */
export interface CommandRoute {
  /** The command resolves the workload named by its words (or the only one here) before the handler runs. */
  resolvesWorkload: boolean;
  handle(turn: Turn, args: string, workload: Workload | undefined): Promise<Card>;
}

export function command(handle: (turn: Turn, args: string) => Promise<Card>): CommandRoute {
  return { resolvesWorkload: false, handle: (turn, args) => handle(turn, args) };
}

/** A command about one workload, named by the words after it: `status Payroll API`. */
export function workloadCommand(handle: (turn: Turn, workload: Workload) => Promise<Card>): CommandRoute {
  return { resolvesWorkload: true, handle: (turn, _args, workload) => handle(turn, workload as Workload) };
}

/** What one capability adds to the bot: its message commands and its card verbs. */
export interface Routes {
  commands: Record<string, CommandRoute>;
  verbs: Record<string, VerbRoute>;
}

/** Joins the route tables of every capability; a name claimed twice is a wiring mistake, caught at start-up. */
export function mergeRoutes(...tables: Routes[]): Routes {
  const merged: Routes = { commands: {}, verbs: {} };
  for (const table of tables) {
    for (const [name, route] of Object.entries(table.commands)) {
      if (name in merged.commands) throw new Error(`command "${name}" is routed twice`);
      merged.commands[name] = route;
    }
    for (const [name, route] of Object.entries(table.verbs)) {
      if (name in merged.verbs) throw new Error(`verb "${name}" is routed twice`);
      merged.verbs[name] = route;
    }
  }
  return merged;
}

const own = <T>(table: Record<string, T>, name: string): T | undefined => (Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined);

const REFRESH_ONLY = 'This card only refreshes its view on its own; press its button to act. Nothing was changed.';

/**
 * The plumbing every route shares: finding the route, the scope-checked load of the workload it names
 * (the same "no longer exists" card whether it is missing or belongs to someone else), and the automatic
 * refresh rule. Handlers get typed, authorized values and translate them into use-case calls.
 */
export class Router {
  constructor(
    readonly routes: Routes,
    private readonly access: WorkloadAccess,
  ) {}

  command(name: string): CommandRoute | undefined {
    return own(this.routes.commands, name);
  }

  verb(name: string): VerbRoute | undefined {
    return own(this.routes.verbs, name);
  }

  async runCommand(route: CommandRoute, turn: Turn, name: string, args: string): Promise<CommandOutcome> {
    if (!route.resolvesWorkload) return { card: await route.handle(turn, args, undefined) };
    const found = await this.access.resolve(turn, args, name);
    return isWorkload(found) ? { card: await route.handle(turn, args, found), workloadId: found.workloadId } : { card: found, workloadMissing: true };
  }

  /** Runs a verb whose data already passed its schema. */
  async runVerb(route: VerbRoute, turn: Turn, data: unknown): Promise<VerbOutcome> {
    let handle: Handler | undefined = route.handle;
    if (turn.trigger === 'automatic' && route.kind === 'change') handle = route.refresh;
    if (!handle) return { card: renderMessage(REFRESH_ONLY) };
    if (!route.loadsWorkload) return handle(turn, data, undefined);
    const workload = await this.access.open(turn, (data as { workloadId: string }).workloadId);
    return workload ? handle(turn, data, workload) : { card: missingWorkload(), workloadMissing: true };
  }
}

export const isWorkload = (value: Workload | Card): value is Workload => (value as Workload).type === 'workload';
