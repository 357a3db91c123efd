import type { BroadcastHandlers } from './broadcastHandlers';
import { broadcastVerbData } from './broadcastPayloads';
import { Routes, verb } from './routes';

/** The change communication commands and verbs: compose, preview, send, approve, progress, acknowledge, and the author's follow-ups. */
export function broadcastRoutes(h: BroadcastHandlers): Routes {
  const ref = broadcastVerbData.noticeRef;
  return {
    commands: {
      notify: (turn, args) => h.notify(turn, args),
      'remind-ack': (turn, args) => h.remindCommand(turn, args),
    },
    verbs: {
      'notice.compose': verb(broadcastVerbData.workloadRef, (turn, data) => h.composeVerb(turn, data.workloadId)),
      'notice.preview': verb(broadcastVerbData.preview, (turn, data) => h.preview(turn, data)),
      'notice.edit': verb(ref, (turn, data) => h.edit(turn, data)),
      'notice.send': verb(broadcastVerbData.send, (turn, data) => h.send(turn, data)),
      'notice.approve': verb(ref, (turn, data) => h.approve(turn, data)),
      'notice.discard': verb(ref, (turn, data) => h.discard(turn, data)),
      'notice.progress': verb(ref, (turn, data) => h.progress(turn, data)),
      'notice.cancel': verb(ref, (turn, data) => h.cancel(turn, data)),
      'notice.resend': verb(ref, (turn, data) => h.resend(turn, data)),
      'notice.recall': verb(ref, (turn, data) => h.recall(turn, data)),
      'notice.remind': verb(ref, (turn, data) => h.remind(turn, data)),
      'notice.update': verb(broadcastVerbData.update, (turn, data) => h.update(turn, data)),
      'notice.ack': verb(ref, (turn, data) => h.acknowledge(turn, data)),
    },
  };
}
