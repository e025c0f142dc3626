/**
 * strip-route-host: lets the destination cluster's router generate new hosts for restored Routes.
 *
 * Rule (openshift-velero-plugin `velero-plugins/route/restore.go`, RestoreItemAction
 * `openshift.io/05-route-restore-plugin`; crane-plugin-openshift `UpdateRoute` does the same as a JSON
 * patch): when `metadata.annotations["openshift.io/host.generated"]` is exactly `"true"`, the router
 * generated `spec.host` on the source cluster, so the key is removed. Hosts set by users stay.
 *
 * Beyond both: `hostRewrites` moves user-set hosts from one domain suffix to another (whole DNS labels;
 * the longest matching `from` wins), for clusters with static hosts; and a warning when a host marked
 * generated does not have the generated form `<name>-<namespace>.<domain>`, the case of OADP issue 557
 * (a customised host that still carries the annotation is lost on restore).
 */
import type { KrmItem } from '../../lib/item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from '../../lib/krm-function.js';
import schema from '../../schemas/strip-route-host.schema.json' with { type: 'json' };

export interface HostRewrite {
  /** Domain suffix on the source cluster, e.g. `apps.src.example.com`. */
  from: string;
  /** Domain suffix that replaces it, e.g. `apps.dst.example.com`. */
  to: string;
}

export interface StripRouteHostConfig extends SelectionConfig {
  hostRewrites: HostRewrite[];
}

/** The annotation OpenShift's route admission sets when it generated `spec.host`. */
export const HOST_GENERATED_ANNOTATION = 'openshift.io/host.generated';

const HOST_PATH = ['spec', 'host'] as const;

/** Routes of `route.openshift.io/v1`, and of the legacy `v1` group that `oc` dumps of OpenShift 3 use. */
export function isRoute(item: KrmItem): boolean {
  return item.kind === 'Route' && (item.apiVersion === 'route.openshift.io/v1' || item.apiVersion === 'v1');
}

/**
 * Rewrites the domain suffix of `host` with the longest matching `from` (compared case-insensitively,
 * on whole labels: `apps.src.example.com` matches `a.apps.src.example.com`, not `a.xapps.src.example.com`).
 * @returns the new host, or undefined when no rewrite applies
 */
export function rewriteHost(host: string, rewrites: readonly HostRewrite[]): string | undefined {
  const lower = host.toLowerCase();
  let best: HostRewrite | undefined;
  for (const rewrite of rewrites) {
    const from = rewrite.from.toLowerCase();
    const matches = lower === from || lower.endsWith(`.${from}`);
    if (matches && (!best || from.length > best.from.length)) best = rewrite;
  }
  if (!best) return undefined;
  return host.slice(0, host.length - best.from.length) + best.to;
}

function stripGenerated(route: KrmItem, host: string, context: FunctionContext): void {
  route.delete(HOST_PATH);
  context.info(`removed the generated host ${host}; the destination router generates a new one`, route, {
    path: HOST_PATH,
    currentValue: host,
  });
  // The router generates `<spec.subdomain>.<domain>`, or `<name>-<namespace>.<domain>` without a subdomain.
  const subdomain = route.get(['spec', 'subdomain']);
  const generatedPrefix = typeof subdomain === 'string' && subdomain !== '' ? `${subdomain}.` : `${route.name}-${route.namespace}.`;
  if (route.namespace && !host.toLowerCase().startsWith(generatedPrefix.toLowerCase())) {
    context.warning(
      `host ${host} is marked ${HOST_GENERATED_ANNOTATION}="true" but lacks the generated form ${generatedPrefix}<domain>: ` +
        `if it was customised, set the annotation to "false" on the source to keep it (OADP issue 557)`,
      route,
      { path: HOST_PATH, currentValue: host },
    );
  }
}

export const stripRouteHost: KrmFunction<StripRouteHostConfig> = {
  name: 'strip-route-host',
  kind: 'StripRouteHost',
  description: 'Removes router-generated hosts from OpenShift Routes so the destination cluster generates new ones; optionally moves user-set hosts to a new domain.',
  type: 'mutator',
  schema,
  run(items, config, context) {
    for (const route of items) {
      if (!isRoute(route)) continue;
      const host = route.get(HOST_PATH);
      if (typeof host !== 'string') continue;
      if (route.annotation(HOST_GENERATED_ANNOTATION) === 'true') {
        stripGenerated(route, host, context);
        continue;
      }
      const rewritten = rewriteHost(host, config.hostRewrites);
      if (rewritten !== undefined && rewritten !== host) {
        route.set(HOST_PATH, rewritten);
        context.info(`rewrote the user-set host ${host} to ${rewritten}`, route, { path: HOST_PATH, currentValue: host, proposedValue: rewritten });
      }
    }
  },
};
