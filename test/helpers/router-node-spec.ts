// Test fixture: the router's node spec as the Docker and compose mappings see it (client link first, then the LAN).
import type { NodeSpec } from '../../src/backends/backend.js';

export const ROUTER_SPEC: NodeSpec = {
  name: 'router',
  role: 'router',
  interfaces: [
    { name: 'cl', network: 'cl', address: '198.18.0.1/24' },
    { name: 'lan', network: 'lan', address: '10.0.1.1/24' },
  ],
  sysctls: {},
};
