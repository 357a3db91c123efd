import type { BroadcastHandlers } from './broadcastHandlers';
import { broadcastVerbData } from './broadcastPayloads';
import { command, Routes, verb, workloadCommand, workloadVerb } from './router';

/** The change communication commands and verbs: compose, preview, send, approve, progress, acknowledge, and the author's follow-ups. */
export function broadcastRoutes(h: BroadcastHandlers): Routes {
  const ref = broadcastVerbData.noticeRef;
  return {
    commands: {
      notify: workloadCommand((turn, w) => h.compose(turn, w)),
      'remind-ack': command((turn, args) => h.remindCommand(turn, args)),
    },
    verbs: {
      'notice.compose': workloadVerb(broadcastVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.compose(turn, w) }), { kind: 'view' }),
      'notice.preview': workloadVerb(broadcastVerbData.preview, (turn, data, w) => h.preview(turn, data, w)),
      'notice.edit': workloadVerb(ref, (turn, data, w) => h.edit(turn, data, w), { kind: 'view' }),
      'notice.send': workloadVerb(broadcastVerbData.send, (turn, data, w) => h.send(turn, data, w)),
      'notice.approve': workloadVerb(ref, (turn, data, w) => h.approve(turn, data, w)),
      'notice.discard': workloadVerb(ref, (turn, data, w) => h.discard(turn, data, w)),
      'notice.progress': workloadVerb(ref, (turn, data, w) => h.progress(turn, data, w), { kind: 'view' }),
      'notice.cancel': workloadVerb(ref, (turn, data, w) => h.cancel(turn, data, w)),
      'notice.resend': workloadVerb(ref, (turn, data, w) => h.resend(turn, data, w)),
      'notice.uncertain': workloadVerb(broadcastVerbData.uncertain, (turn, data, w) => h.decideUncertain(turn, data, w)),
      'notice.recall': workloadVerb(ref, (turn, data, w) => h.recall(turn, data, w)),
      'notice.remind': workloadVerb(ref, (turn, data, w) => h.remind(turn, data, w)),
      'notice.update': workloadVerb(broadcastVerbData.update, (turn, data, w) => h.update(turn, data, w)),
      // Recipients acknowledge from their own chats and teams: the notice's recipients decide, not the workload's scope.
      'notice.ack': verb(ref, (turn, data) => h.acknowledge(turn, data)),
    },
  };
}
