// L7 dispatching (paper section 2, related work): a reverse proxy on the dispatcher node holds the ghost and opens its own connection to the server.
import type { Topology } from '../topology/types.js';
import { frontBasePlan } from './front.js';
import { haproxyStep } from './haproxy-config.js';
import { nginxFrontStep, nginxProxyConfig } from './nginx-front-config.js';
import { routerGhostSteps } from './routing.js';
import type { Scheme } from './scheme.js';

function proxyStep(t: Topology) {
  if ((t.proxy?.engine ?? 'haproxy') === 'haproxy') return haproxyStep(t);
  return nginxFrontStep(t, nginxProxyConfig(t), 'nginx as the cluster\'s HTTP entry: S_k first, the others as backups; passive checks only (open-source nginx has no active health checks): a failed server is found by failing requests');
}

export const proxy: Scheme = {
  name: 'proxy',
  title: 'L7 dispatching: a reverse proxy on the dispatcher (paper section 2)',
  summary: 'the router sends ghost packets to the dispatcher, where a reverse proxy (HAProxy or nginx) ends the client\'s TCP connection and forwards the request over its own connection to the server the dispatch function names; replies come back through the proxy',
  dispatchers: { default: 1, allowed: [1], rule: 'the proxy scheme takes 1 dispatcher (the proxy\'s node)', router: false },
  usesGhost1: false,
  fields: ['proxy'],
  httpServersOnly: 'the proxy sends HTTP to every server\'s port 80',
  dispatchNodes: (t) => t.dispatchers,
  routerSteps: (t) => routerGhostSteps(t, t.dispatchers[0]),
  dispatcherPlan(t, node, state, fn) {
    const plan = frontBasePlan(t, node, state, fn, 'proxy');
    plan.steps.push(proxyStep(t));
    return plan;
  },
  serverSteps: () => [],
  serverCounter: (t, s) => ({ node: t.dispatchers[0]!.name, comment: `to ${s.name}` }),
};
