import type { BroadcastHandlers } from '../../bot/teams/broadcastHandlers';
import { broadcastRoutes } from '../../bot/teams/broadcastRoutes';
import type { CutoverHandlers } from '../../bot/teams/cutoverHandlers';
import { cutoverRoutes } from '../../bot/teams/cutoverRoutes';
import type { DecommissionHandlers } from '../../bot/teams/decommissionHandlers';
import { decommissionRoutes } from '../../bot/teams/decommissionRoutes';
import type { ReleaseHandlers } from '../../bot/teams/handlers';
import type { RetroHandlers } from '../../bot/teams/retroHandlers';
import { retroRoutes } from '../../bot/teams/retroRoutes';
import type { PlanHandlers } from '../../bot/teams/planHandlers';
import { planRoutes } from '../../bot/teams/planRoutes';
import { mergeRoutes, Routes } from '../../bot/teams/router';
import { releaseRoutes } from '../../bot/teams/routes';
import type { SignoffHandlers } from '../../bot/teams/signoffHandlers';
import { signoffRoutes } from '../../bot/teams/signoffRoutes';
import type { WaveHandlers } from '../../bot/teams/wavesHandlers';
import { wavesRoutes } from '../../bot/teams/wavesRoutes';

/** Every capability's route table, as bot/app.ts joins them; building them calls no handler. */
export function everyRoute(): Routes {
  return mergeRoutes(
    releaseRoutes({} as ReleaseHandlers),
    signoffRoutes({} as SignoffHandlers),
    retroRoutes({} as RetroHandlers),
    broadcastRoutes({} as BroadcastHandlers),
    wavesRoutes({} as WaveHandlers),
    cutoverRoutes({} as CutoverHandlers),
    decommissionRoutes({} as DecommissionHandlers),
    planRoutes({} as PlanHandlers),
  );
}
