// `lab compare`'s result: one row per scheme, exactly the fields of `--json`, and the settings the run used.

export interface CompareRow {
  scheme: string;
  /** closed-loop saturation run: answers per second */
  throughput_rps: number;
  /** steady open-loop run through the published address */
  latency_ms: { p50: number; p99: number };
  /** steady p50 minus the p50 of the same load sent straight to one server's own address (null: no direct run answered) */
  added_p50_ms: number | null;
  connections_per_request: number;
  dns_queries_per_request: number;
  /** the most conntrack entries plus TCP sessions on the published address seen in the dispatcher node during the saturation run */
  dispatcher_state_peak: number;
  /** large-reply run: bytes in and out of the dispatcher node's LAN interface per byte of reply body served */
  dispatcher_bytes_per_byte: number;
  failure: { own_clients_errors: number; other_clients_errors: number; recovered_ms: number | null };
  ftp: { passive: boolean; active: boolean };
  single_address: boolean;
}

export interface CompareJson {
  rows: CompareRow[];
}

/** What `lab compare` ran with (the HTML page's subtitle, the README's command). */
export interface CompareSettings {
  schemes: string[];
  servers: number;
  durationMs: number;
  /** the steady runs' offered load */
  rate: number;
  /** e.g. "kill s1" */
  failure: string;
  /** tbf rate on the dispatcher node's LAN link, e.g. "100mbit" */
  shape?: string;
  backend: string;
}

/** Per scheme, what the HTML page shows besides the row: the node measured as the dispatcher and the failure's verdicts. */
export interface CompareDetail {
  scheme: string;
  lab: string;
  /** the node counted as the dispatcher, or undefined when the scheme has none */
  dispatcher?: string;
  /** the addresses the client opened TCP connections to in the steady run */
  peers: string[];
  /** the scenario judge's verdicts on the failure run */
  verdicts: { name: string; pass: boolean; detail: string }[];
  /** steady run errors */
  steady_errors: number;
}

export interface CompareResult extends CompareJson {
  settings: CompareSettings;
  details: CompareDetail[];
}
