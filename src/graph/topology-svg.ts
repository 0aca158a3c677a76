// Draws a graph model as one self-contained SVG (no scripts, fonts or links): client, router, the LAN bus, dispatchers, servers, the ghost.
import { esc } from '../report/escape.js';
import type { GraphModel, GraphNode, NodeCondition } from './graph-model.js';

const BOX_W = 186;
const COL = 204;
const LINE = 15;
const PER_ROW = 8;
const MARGIN = 40;

const ROLE_FILL: Record<GraphNode['role'], string> = { client: '#e8f0fe', router: '#fef7e0', dispatcher: '#f3e8fd', server: '#e6f4ea' };
const CONDITION: Record<NodeCondition, { stroke: string; fill?: string; label?: string; dash?: string }> = {
  up: { stroke: '#5f6368' },
  killed: { stroke: '#c5221f', fill: '#fce8e6', label: 'DOWN: killed' },
  stopped: { stroke: '#c5221f', fill: '#fce8e6', label: 'DOWN: stopped' },
  'link-down': { stroke: '#c5221f', fill: '#fce8e6', label: 'DOWN: link down' },
  out: { stroke: '#e37400', label: 'out of the function', dash: '6 3' },
};

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x}" y="${y}"${attrs ? ` ${attrs}` : ''}>${esc(s)}</text>`;
}

function boxHeight(n: GraphNode): number {
  return 28 + LINE * (n.addresses.length + (n.notes.length > 0 ? 1 : 0) + (CONDITION[n.condition].label ? 1 : 0)) + 6;
}

/** A node's box at (x, y): name, condition, addresses, notes; data-node and data-condition name it for tests and tools. */
function nodeBox(n: GraphNode, x: number, y: number, h: number): string {
  const c = CONDITION[n.condition];
  const fill = c.fill ?? ROLE_FILL[n.role];
  const parts = [
    `<g data-node="${esc(n.name)}" data-role="${n.role}" data-condition="${n.condition}">`,
    `<title>${esc(`${n.name} (${n.role}): ${n.condition}`)}</title>`,
    `<rect x="${x}" y="${y}" width="${BOX_W}" height="${h}" rx="8" fill="${fill}" stroke="${c.stroke}" stroke-width="${n.condition === 'up' ? 1.2 : 2.5}"${c.dash ? ` stroke-dasharray="${c.dash}"` : ''}/>`,
    text(x + 10, y + 19, n.name, 'class="name"'),
    text(x + BOX_W - 10, y + 19, n.role, 'class="role" text-anchor="end"'),
  ];
  let line = y + 19 + LINE + 2;
  if (c.label) {
    parts.push(text(x + 10, line, c.label, `class="cond" fill="${c.stroke}"`));
    line += LINE;
  }
  for (const a of n.addresses) {
    parts.push(text(x + 10, line, a, 'class="addr"'));
    line += LINE;
  }
  if (n.notes.length > 0) parts.push(text(x + 10, line, n.notes.join(' · '), 'class="note"'));
  if (n.condition !== 'up' && n.condition !== 'out') parts.push(`<path d="M${x + 4} ${y + 4}L${x + BOX_W - 4} ${y + h - 4}M${x + BOX_W - 4} ${y + 4}L${x + 4} ${y + h - 4}" stroke="${c.stroke}" stroke-opacity="0.35" stroke-width="2"/>`);
  parts.push('</g>');
  return parts.join('');
}

function wire(x1: number, y1: number, x2: number, y2: number, down = false): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${down ? '#c5221f' : '#5f6368'}" stroke-width="2"${down ? ' stroke-dasharray="4 4"' : ''}/>`;
}

const STYLE = [
  'text{font-family:DejaVu Sans,Arial,sans-serif;font-size:11px;fill:#202124}',
  '.title{font-size:18px;font-weight:bold}.sub{font-size:12px;fill:#5f6368}',
  '.name{font-size:13px;font-weight:bold}.role{fill:#5f6368}.addr{font-family:DejaVu Sans Mono,monospace;font-size:10.5px}',
  '.note{fill:#5f6368;font-style:italic}.cond{font-weight:bold}.net{font-weight:bold;fill:#1a73e8}.ghost{font-weight:bold;fill:#a142f4}',
].join('');

/** The whole picture: the title, client and router with the client link, the ghost, the LAN bus with its rows of nodes, a legend. */
export function renderTopologySvg(m: GraphModel): string {
  const rows: GraphNode[][] = [];
  for (let i = 0; i < m.lan.length; i += PER_ROW) rows.push(m.lan.slice(i, i + PER_ROW));
  const cols = Math.max(3, Math.min(PER_ROW, m.lan.length));
  const width = MARGIN * 2 + cols * COL;
  const out: string[] = [];
  const cl = m.networks.find((n) => n.name === 'cl')!;
  const lan = m.networks.find((n) => n.name === 'lan')!;

  out.push(text(MARGIN, 30, m.title, 'class="title"'), text(MARGIN, 50, m.subtitle, 'class="sub"'));
  // client -- cl -- router
  const top = 75;
  const clientH = boxHeight(m.client);
  const routerH = boxHeight(m.router);
  const routerX = MARGIN + COL * 1.6;
  const clDown = m.client.condition !== 'up' || m.router.condition === 'killed';
  out.push(wire(MARGIN + BOX_W, top + 30, routerX, top + 30, clDown));
  out.push(`<g data-network="cl">${text(MARGIN + BOX_W + 8, top + 24, `cl ${cl.subnet}`, 'class="net"')}${cl.shaping ? text(MARGIN + BOX_W + 8, top + 44, cl.shaping, 'class="note"') : ''}</g>`);
  out.push(nodeBox(m.client, MARGIN, top, clientH), nodeBox(m.router, routerX, top, routerH));
  // the ghost: the one published address, on lo of every server
  const gx = routerX + BOX_W + 40;
  out.push(
    `<g data-ghost="${esc(m.ghost)}"><ellipse cx="${gx + 95}" cy="${top + 28}" rx="95" ry="24" fill="#f3e8fd" stroke="#a142f4" stroke-dasharray="5 3" stroke-width="1.5"/>`,
    text(gx + 95, top + 26, `ghost ${m.ghost}`, 'class="ghost" text-anchor="middle"'),
    text(gx + 95, top + 40, 'on lo of every server, no ARP', 'class="note" text-anchor="middle"'),
    text(gx, top + 68, m.ghostRoute, 'class="note"'),
    '</g>',
  );
  // the LAN bus, one row of nodes under each segment; the segments hang off a trunk on the left
  let y = top + Math.max(clientH, routerH) + 40;
  const busY: number[] = [];
  out.push(wire(routerX + BOX_W / 2, top + routerH, routerX + BOX_W / 2, y, m.router.condition !== 'up'));
  out.push(`<g data-network="lan">${text(MARGIN + 6, y - 8, `lan ${lan.subnet} (${lan.label})${lan.shaping ? `: ${lan.shaping} at every interface` : ''}`, 'class="net"')}</g>`);
  for (const row of rows) {
    busY.push(y);
    out.push(`<line x1="${MARGIN - 10}" y1="${y}" x2="${width - MARGIN}" y2="${y}" stroke="#1a73e8" stroke-width="4"/>`);
    const h = Math.max(...row.map(boxHeight));
    row.forEach((n, i) => {
      const x = MARGIN + i * COL;
      out.push(wire(x + BOX_W / 2, y, x + BOX_W / 2, y + 30, n.condition !== 'up' && n.condition !== 'out'), nodeBox(n, x, y + 30, boxHeight(n)));
    });
    y += 30 + h + 40;
  }
  if (busY.length > 1) out.push(`<line x1="${MARGIN - 10}" y1="${busY[0]}" x2="${MARGIN - 10}" y2="${busY[busY.length - 1]}" stroke="#1a73e8" stroke-width="4"/>`);
  if (m.ghost1) out.push(text(width - MARGIN, busY[0]! - 8, `ghost1 ${m.ghost1}: broadcast neighbour entry on the router`, 'class="note" text-anchor="end"'));
  // legend
  const legend = [['#fce8e6', '#c5221f', 'down (killed, stopped, link down)'], ['#ffffff', '#e37400', 'out of the dispatch function'], ['#e6f4ea', '#5f6368', 'up']] as const;
  legend.forEach(([fill, stroke, label], i) => {
    const x = MARGIN + i * 230;
    out.push(`<rect x="${x}" y="${y - 10}" width="14" height="14" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`, text(x + 20, y + 1, label));
  });
  const height = y + 25;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" data-graph="${esc(m.title)}">`,
    `<title>${esc(`${m.title}: ${m.subtitle}`)}</title>`,
    `<style>${STYLE}</style>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
