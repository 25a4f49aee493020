import { NoContainerError, UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { lifecycleTarget } from './lifecycle.js';
import { parseIndex } from './logs.js';

/** `berth port [--protocol tcp|udp] [--index N] SERVICE PRIVATE_PORT`: prints `HOST_IP:HOST_PORT`. */
export default async function port(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const [service, text] = args;
  if (!service || text === undefined)
    throw new UsageError('port needs a service and a container port, e.g. berth port web 80');
  const target = Number(text);
  if (!Number.isInteger(target) || target < 1 || target > 65535)
    throw new UsageError(`port expects a container port number (1-65535), got "${text}"`);
  const protocol = typeof opts.protocol === 'string' ? opts.protocol : 'tcp';
  if (!['tcp', 'udp', 'sctp'].includes(protocol))
    throw new UsageError(`--protocol expects tcp, udp or sctp, got "${protocol}"`);
  const index = opts.index === undefined ? undefined : parseIndex(opts.index);
  const t = await lifecycleTarget(ctx, [service]);
  const { serviceContainer } = await import('../../apply/lifecycle.js');
  const c = await serviceContainer(await ctx.runtime(), t, service, { index });
  const published = c.ports.filter((p) => p.target === target && p.protocol === protocol && p.hostPort);
  if (published.length === 0) throw new NoContainerError(`${c.name} publishes no port ${target}/${protocol}`);
  // IPv4 first, as the docker CLI prints the first binding.
  const [first] = [...published].sort(
    (a, b) => Number((a.hostIp ?? '').includes(':')) - Number((b.hostIp ?? '').includes(':')),
  );
  const ip = first!.hostIp && first!.hostIp !== '' ? first!.hostIp : '0.0.0.0';
  ctx.world.stdout.write(`${ip.includes(':') ? `[${ip}]` : ip}:${first!.hostPort}\n`);
  return 0;
}
