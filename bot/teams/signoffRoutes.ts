import type { Workload } from '../release/model';
import { releaseVerbData } from './payloads';
import { Routes, workloadCommand, workloadVerb } from './router';
import type { SignoffHandlers } from './signoffHandlers';
import { CycleRefData, signoffVerbData } from './signoffPayloads';
import type { Turn } from './turn';

/** The business-testing commands and verbs: open a cycle, decide, sign off, cancel, look, remind. */
export function signoffRoutes(h: SignoffHandlers): Routes {
  // A client's automatic refresh of a decision card only ever draws the person's view; it never records anything.
  const refresh = { refresh: (turn: Turn, data: CycleRefData, w: Workload) => h.view(turn, data, w) };
  return {
    commands: {
      uat: workloadCommand((turn, w) => h.uat(turn, w)),
      remind: workloadCommand((turn, w) => h.remindCommand(turn, w)),
    },
    verbs: {
      'signoff.form': workloadVerb(releaseVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.form(turn, w) }), { kind: 'view' }),
      'signoff.open': workloadVerb(signoffVerbData.open, (turn, data, w) => h.open(turn, data, w)),
      'signoff.decide': workloadVerb(signoffVerbData.decide, (turn, data, w) => h.decide(turn, data, w), refresh),
      'signoff.final': workloadVerb(signoffVerbData.final, (turn, data, w) => h.final(turn, data, w), refresh),
      'signoff.cancel': workloadVerb(signoffVerbData.cancel, (turn, data, w) => h.cancel(turn, data, w), refresh),
      'signoff.view': workloadVerb(signoffVerbData.cycleRef, (turn, data, w) => h.view(turn, data, w), { kind: 'view' }),
      'signoff.remind': workloadVerb(releaseVerbData.workloadRef, (turn, _data, w) => h.remindVerb(turn, w)),
    },
  };
}
