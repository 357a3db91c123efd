import { releaseVerbData } from './payloads';
import { Routes, verb } from './routes';
import type { SignoffHandlers } from './signoffHandlers';
import { signoffVerbData } from './signoffPayloads';

/** The business-testing commands and verbs: open a cycle, decide, sign off, cancel, look, remind. */
export function signoffRoutes(h: SignoffHandlers): Routes {
  return {
    commands: {
      uat: (turn, args) => h.uat(turn, args),
      remind: (turn, args) => h.remindCommand(turn, args),
    },
    verbs: {
      'signoff.form': verb(releaseVerbData.workloadRef, (turn, data) => h.formVerb(turn, data.workloadId)),
      'signoff.open': verb(signoffVerbData.open, (turn, data) => h.open(turn, data)),
      'signoff.decide': verb(signoffVerbData.decide, (turn, data) => h.decide(turn, data)),
      'signoff.final': verb(signoffVerbData.final, (turn, data) => h.final(turn, data)),
      'signoff.cancel': verb(signoffVerbData.cancel, (turn, data) => h.cancel(turn, data)),
      'signoff.view': verb(signoffVerbData.cycleRef, (turn, data) => h.view(turn, data)),
      'signoff.remind': verb(releaseVerbData.workloadRef, (turn, data) => h.remindVerb(turn, data.workloadId)),
    },
  };
}
