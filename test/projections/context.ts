import type { AccountKind, ProjectionContext } from '../../projections/projection.ts';
import { MP, NEW_OA, OA, WEB } from './eventBuilder.ts';

const configured: Record<string, AccountKind> = { [OA]: 'oa', [MP]: 'mp', [WEB]: 'web', [NEW_OA]: 'oa' };

/** The demo accounts as configuration would describe them. */
export const configuredAccounts: ProjectionContext = { kindOf: (appid) => configured[appid] };

/** No configuration at all: kinds must be inferred from events. */
export const noAccounts: ProjectionContext = { kindOf: () => undefined };
