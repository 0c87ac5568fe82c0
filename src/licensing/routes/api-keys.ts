/**
 * An organisation's API keys: created once its licence is active (the key is shown once, after the
 * redirect, and never again) and revoked.
 */
import { licenceCovers } from '../access.ts';
import { createApiKey, revokeApiKey } from '../service.ts';
import { worldFor } from '../world.ts';
import { apiKeyForm } from '../schemas.ts';
import { intParam, type LicensingRouteKit } from './common.ts';
import type { OrgForms } from './organisation.ts';

export function apiKeyRoutes(kit: LicensingRouteKit, forms: OrgForms): void {
  const { deps, services } = kit;
  forms.orgPost('/org/:id/keys', apiKeyForm, async (id, b, req) => {
    const w = await worldFor(services.db).get();
    const o = w.organisationsById.get(String(id));
    const licensed = o !== undefined && licenceCovers(o.licence, new Date());
    if (!licensed)
      return {
        ok: false,
        code: 'unlicensed',
        message: 'API keys can be created once the licence is active.',
        status: 409,
      };
    return createApiKey(deps(), id, req.member!.id, b.name, b.rate);
  });
  forms.orgPost('/org/:id/keys/:kid/revoke', apiKeyForm.pick({}), (id, _b, req) =>
    revokeApiKey(deps(), id, intParam(req.params.kid)),
  );
}
