import { z } from 'zod';
import { documentIdListSchema, documentIdSchema } from './payloads';
import { command, Routes, verb } from './router';
import type { WaveHandlers } from './wavesHandlers';

/** Card data of the wave verbs: untrusted, parsed into typed values. A wave id is read only in the turn's own team partition. */
export const waveVerbData = {
  none: z.object({}),
  plan: z.object({
    name: z.string().max(200).default(''),
    start: z.string().max(20).default(''),
    end: z.string().max(20).default(''),
    workloads: documentIdListSchema(20000),
  }),
  waveRef: z.object({ waveId: documentIdSchema }),
} as const;

/** The wave commands and verbs: the current wave, planning and closing. */
export function wavesRoutes(h: WaveHandlers): Routes {
  return {
    commands: {
      wave: command((turn, args) => h.command(turn, args)),
    },
    verbs: {
      'wave.show': verb(waveVerbData.none, async (turn) => ({ card: await h.show(turn) }), 'view'),
      'wave.form': verb(waveVerbData.none, async (turn) => ({ card: await h.form(turn) }), 'view'),
      'wave.plan': verb(waveVerbData.plan, (turn, data) => h.plan(turn, data)),
      'wave.close': verb(waveVerbData.waveRef, (turn, data) => h.close(turn, data)),
    },
  };
}
