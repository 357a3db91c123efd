import type { Card } from '../../cards/render';
import type { Workload } from '../release/model';
import type { ReleaseHandlers } from './handlers';
import { missingWorkload } from './handlers';
import type { RetroHandlers } from './retroHandlers';
import { retroVerbData } from './retroPayloads';
import { CommandHandler, Routes, verb } from './routes';
import type { Turn } from './turn';

const isCard = (value: Workload | Card): value is Card => (value as Workload).type !== 'workload';

/** The retrospective commands and verbs: start, collect, group, vote, act, close, remind, and action items. */
export function retroRoutes(h: RetroHandlers, release: ReleaseHandlers): Routes {
  const withWorkload =
    (command: string, show: (turn: Turn, w: Workload) => Promise<Card>): CommandHandler =>
    async (turn, args) => {
      const found = await release.resolve(turn, args, command);
      return isCard(found) ? found : show(turn, found);
    };
  return {
    commands: {
      retro: withWorkload('retro', (turn, w) => h.command(turn, w)),
      'retro-remind': withWorkload('retro-remind', (turn, w) => h.remindCommand(turn, w)),
      actions: (turn) => h.actions(turn),
    },
    verbs: {
      'retro.new': verb(retroVerbData.workloadRef, async (turn, data) => {
        const workload = await release.byId(turn, data.workloadId);
        return { card: workload ? await h.command(turn, workload) : missingWorkload() };
      }),
      'retro.start': verb(retroVerbData.start, (turn, data) => h.start(turn, data)),
      'retro.view': verb(retroVerbData.retroRef, (turn, data) => h.show(turn, data)),
      'retro.entry.add': verb(retroVerbData.entryAdd, (turn, data) => h.addEntries(turn, data)),
      'retro.entry.edit': verb(retroVerbData.entryEdit, (turn, data) => h.editEntry(turn, data)),
      'retro.entry.delete': verb(retroVerbData.entryDelete, (turn, data) => h.deleteEntry(turn, data)),
      'retro.phase': verb(retroVerbData.phase, (turn, data) => h.advance(turn, data)),
      'retro.merge': verb(retroVerbData.merge, (turn, data) => h.merge(turn, data)),
      'retro.vote': verb(retroVerbData.vote, (turn, data) => h.vote(turn, data)),
      'retro.action.add': verb(retroVerbData.actionAdd, (turn, data) => h.addAction(turn, data)),
      'retro.close': verb(retroVerbData.close, (turn, data) => h.close(turn, data)),
      'retro.gate': verb(retroVerbData.retroRef, (turn, data) => h.recordGate(turn, data)),
      'retro.remind': verb(retroVerbData.retroRef, (turn, data) => h.remindVerb(turn, data)),
      'retro.actions': verb(retroVerbData.none, async (turn) => ({ card: await h.actions(turn) })),
      'retro.action.done': verb(retroVerbData.actionDone, (turn, data) => h.completeAction(turn, data)),
    },
  };
}
