import type { ReleaseHandlers } from './handlers';
import { releaseVerbData } from './payloads';
import { command, Routes, verb, workloadCommand, workloadVerb } from './router';

/** The release commands and verbs: workloads, the checklist, roles, gates and history. */
export function releaseRoutes(h: ReleaseHandlers): Routes {
  return {
    commands: {
      help: command(async () => h.help()),
      new: command((turn, args) => h.create(turn, args)),
      list: command((turn) => h.list(turn)),
      status: workloadCommand((turn, w) => h.checklist(turn, w)),
      roles: workloadCommand((turn, w) => h.roles(turn, w)),
      history: workloadCommand((turn, w) => h.history(turn, w)),
    },
    verbs: {
      'help.show': verb(releaseVerbData.none, async () => ({ card: h.help() }), 'view'),
      'workload.list': verb(releaseVerbData.none, async (turn) => ({ card: await h.list(turn) }), 'view'),
      'workload.create': verb(releaseVerbData.create, async (turn, data) => ({ card: await h.create(turn, data.name) })),
      'workload.status': workloadVerb(releaseVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.checklist(turn, w) }), { kind: 'view' }),
      'roles.show': workloadVerb(releaseVerbData.workloadRef, async (turn, _data, w) => ({ card: await h.roles(turn, w) }), { kind: 'view' }),
      'history.show': workloadVerb(releaseVerbData.historyPage, async (turn, data, w) => ({ card: await h.history(turn, w, data.page) }), { kind: 'view' }),
      'gate.decide': workloadVerb(releaseVerbData.gateDecide, (turn, data, w) => h.decideGate(turn, data, w)),
      'gate.form': workloadVerb(releaseVerbData.gateForm, async (turn, data, w) => ({ card: await h.evidenceForm(turn, data.gateId, w) }), { kind: 'view' }),
      'gate.record': workloadVerb(releaseVerbData.gateRecord, (turn, data, w) => h.recordEvidence(turn, data, w)),
      'evidence.confirm': workloadVerb(releaseVerbData.evidenceConfirm, (turn, data, w) => h.confirmEvidence(turn, data, w)),
      'waiver.confirm': workloadVerb(releaseVerbData.waiverConfirm, (turn, data, w) => h.confirmWaiver(turn, data, w)),
      'waiver.policy': workloadVerb(releaseVerbData.waiverPolicy, (turn, data, w) => h.setWaiverPolicy(turn, data, w)),
      'roles.save': workloadVerb(releaseVerbData.rolesSave, (turn, data, w) => h.saveRoles(turn, data, w)),
    },
  };
}
