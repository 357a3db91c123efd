import type { RetroHandlers } from './retroHandlers';
import { retroVerbData } from './retroPayloads';
import { command, Routes, verb, workloadCommand, workloadVerb } from './router';

/** The retrospective commands and verbs: start, collect, group, vote, act, close, remind, and action items. */
export function retroRoutes(h: RetroHandlers): Routes {
  return {
    commands: {
      retro: workloadCommand((turn, w) => h.command(turn, w)),
      'retro-remind': workloadCommand((turn, w) => h.remindCommand(turn, w)),
      actions: command((turn) => h.actions(turn)),
    },
    verbs: {
      'retro.new': workloadVerb(retroVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.command(turn, w) }), { kind: 'view' }),
      'retro.start': workloadVerb(retroVerbData.start, (turn, data, w) => h.start(turn, data, w)),
      'retro.view': workloadVerb(retroVerbData.retroRef, (turn, data) => h.show(turn, data), { kind: 'view' }),
      'retro.entry.add': workloadVerb(retroVerbData.entryAdd, (turn, data) => h.addEntries(turn, data)),
      'retro.entry.edit': workloadVerb(retroVerbData.entryEdit, (turn, data) => h.editEntry(turn, data)),
      'retro.entry.delete': workloadVerb(retroVerbData.entryDelete, (turn, data) => h.deleteEntry(turn, data)),
      'retro.phase': workloadVerb(retroVerbData.phase, (turn, data) => h.advance(turn, data)),
      'retro.merge': workloadVerb(retroVerbData.merge, (turn, data) => h.merge(turn, data)),
      'retro.vote': workloadVerb(retroVerbData.vote, (turn, data) => h.vote(turn, data)),
      'retro.action.add': workloadVerb(retroVerbData.actionAdd, (turn, data) => h.addAction(turn, data)),
      'retro.close': workloadVerb(retroVerbData.close, (turn, data) => h.close(turn, data)),
      'retro.gate': workloadVerb(retroVerbData.retroRef, (turn, data) => h.recordGate(turn, data)),
      'retro.remind': workloadVerb(retroVerbData.retroRef, (turn, data) => h.remindVerb(turn, data)),
      'retro.actions': verb(retroVerbData.none, async (turn) => ({ card: await h.actions(turn) }), 'view'),
      'retro.action.done': workloadVerb(retroVerbData.actionDone, (turn, data) => h.completeAction(turn, data)),
    },
  };
}
