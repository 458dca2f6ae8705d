import { describeTarget } from '../model/keys.js';
import type { DesiredState } from '../model/types.js';
import { targetId } from './overlay.js';
import type { HealthTarget } from './types.js';

/** Every checked real server of the desired state, as the monitor and a one-shot round check them. Pure. */
export function healthTargets(desired: DesiredState): HealthTarget[] {
  const out: HealthTarget[] = [];
  for (const service of desired.table.services.values()) {
    const policy = desired.policies?.get(service.key);
    if (!policy || policy.checks.size === 0) continue;
    const t = service.target;
    for (const [key, check] of policy.checks) {
      const server = service.servers.get(key);
      if (!server) continue;
      out.push({
        check,
        target: {
          id: targetId(service.key, key), address: server.address, family: server.family, port: check.port, serverPort: server.port,
          service: describeTarget(t), serviceName: service.name,
          protocol: t.kind === 'address' ? t.protocol : null, vip: t.kind === 'address' ? t.address : null, vport: t.kind === 'address' ? t.port : null,
        },
      });
    }
  }
  return out;
}
