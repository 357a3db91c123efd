import type { RetroHandlers } from './retroHandlers';
import { retroVerbData } from './retroPayloads';
import { command, entityVerb, Routes, verb, workloadCommand, workloadVerb } from './router';

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
      'retro.view': entityVerb(retroVerbData.retroRef, h.retroOf, (turn, _data, retro) => h.show(turn, retro), { kind: 'view' }),
      'retro.entry.add': entityVerb(retroVerbData.entryAdd, h.retroOf, (turn, data, retro, w) => h.addEntries(turn, data, retro, w)),
      'retro.entry.edit': entityVerb(retroVerbData.entryEdit, h.retroOf, (turn, data, retro) => h.editEntry(turn, data, retro)),
      'retro.entry.delete': entityVerb(retroVerbData.entryDelete, h.retroOf, (turn, data, retro) => h.deleteEntry(turn, data, retro)),
      'retro.phase': entityVerb(retroVerbData.phase, h.retroOf, (turn, data, retro) => h.advance(turn, data, retro)),
      'retro.merge': entityVerb(retroVerbData.merge, h.retroOf, (turn, data, retro) => h.merge(turn, data, retro)),
      'retro.vote': entityVerb(retroVerbData.vote, h.retroOf, (turn, data, retro) => h.vote(turn, data, retro)),
      'retro.action.add': entityVerb(retroVerbData.actionAdd, h.retroOf, (turn, data, retro) => h.addAction(turn, data, retro)),
      'retro.close': entityVerb(retroVerbData.close, h.retroOf, (turn, data, retro) => h.close(turn, data, retro)),
      'retro.gate': entityVerb(retroVerbData.retroRef, h.retroOf, (turn, _data, retro) => h.recordGate(turn, retro)),
      'retro.remind': entityVerb(retroVerbData.retroRef, h.retroOf, (turn, _data, retro) => h.remindVerb(turn, retro)),
      'retro.actions': verb(retroVerbData.none, async (turn) => ({ card: await h.actions(turn) }), 'view'),
      'retro.action.done': workloadVerb(retroVerbData.actionDone, (turn, data) => h.completeAction(turn, data)),
    },
  };
}
