// HTTP redirection (paper section 2, related work): a front on the dispatcher node holds the ghost and answers every request with a 302 to its server's own address.
import { frontBasePlan } from './front.js';
import { nginxFrontStep, nginxRedirectConfig } from './nginx-front-config.js';
import { routerGhostSteps } from './routing.js';
import type { Scheme } from './scheme.js';

export const redirect: Scheme = {
  name: 'redirect',
  title: 'HTTP redirection: a front answering 302 with the server\'s address (paper section 2)',
  summary: 'the router sends ghost packets to the dispatcher, whose front (nginx) answers each request with 302 Location: http://<server primary address>/<path>, the server the dispatch function names; the client then connects to that server directly (its address is exposed)',
  dispatchers: { default: 1, allowed: [1], rule: 'the redirect scheme takes 1 dispatcher (the front\'s node)', router: false },
  usesGhost1: false,
  httpServersOnly: 'its 302s send clients to every server\'s port 80',
  dispatchNodes: (t) => t.dispatchers,
  routerSteps: (t) => routerGhostSteps(t, t.dispatchers[0]),
  dispatcherPlan(t, node, state, fn) {
    const plan = frontBasePlan(t, node, state, fn, 'front');
    plan.steps.push(nginxFrontStep(t, nginxRedirectConfig(t), 'nginx as the front: a 302 to S_k\'s primary address on port 8001+k; the config never changes, watchd changes the marks'));
    return plan;
  },
  serverSteps: () => [],
  serverCounter: (t, s) => ({ node: t.dispatchers[0]!.name, comment: `to ${s.name}` }),
};
