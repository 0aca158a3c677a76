// The Docker backend: one container per node on Docker bridge networks, same semantics as the netns backend.
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type Docker from 'dockerode';
import {
  assertOk,
  BackendError,
  type Backend,
  type ExecOptions,
  type ExecResult,
  type FollowOptions,
  type LogChunk,
  type LabSpec,
  type NetworkSpec,
  type NodeSpec,
  type ProcessRecord,
  type SpawnOptions,
} from '../backend.js';
import { debugCommand } from '../common/debug.js';
import { followHostLog, readHostLog } from '../common/host-log.js';
import { mapLimit } from '../common/map-limit.js';
import { checkIfName, checkLabName, checkNodeName } from '../common/names.js';
import { validateSpec } from '../common/spec.js';
import { projectRoot } from '../../util/paths.js';
import { destroyDockerLab, labObjects, type DockerTeardownOptions } from './clean.js';
import { dockerClient, engineIsLocal, engineMessage, statusOf } from './client.js';
import { createNodeContainer, reviveNodeContainer } from './containers.js';
import { isDeadlineError } from './deadline.js';
import { execIn, followInContainer, type ContainerExecOptions } from './exec.js';
import { addNoTrack } from './host-notrack.js';
import { addForwardAccept, checkForwardAllowed, describeForward } from './host-rules.js';
import { ensureLabImage, imageExists } from './image/build.js';
import { defaultImageTag } from './image/recipe.js';
import { containerName, LABEL_LAB, LABEL_NETWORK } from './names.js';
import { checkAddresses, checkNoOverlap, createLabNetwork } from './networks.js';
import { endContainers, killAndRelease } from './removal.js';
import { parseSpawnOutput, SPAWN_SCRIPT, STATUS_SCRIPT, STOP_SCRIPT } from './processes.js';
import { uploadRuntime } from './runtime-upload.js';
import { containerSysctls } from './sysctls.js';

export { dockerGateway } from './networks.js';

export interface DockerBackendOptions {
  docker?: Docker;
  /** image of every node (default: $OLAB_IMAGE, else oneip-lab/node:<recipe hash> of this checkout) */
  image?: string;
  /** build the default image when it is missing (default true; one to two minutes, once) */
  buildImage?: boolean;
  /**
   * Host folder bind-mounted read-write at the same path in every container: spawn() log folders must lie inside
   * it, so logs land on the host (the lab passes its state folder). Needed to create a lab with host mounts.
   * Without host mounts (a remote engine) logs stay inside the containers, at the path the record names.
   */
  shareDir?: string;
  /**
   * Bind-mount the project root (read-only) and this node binary at their own paths, so argv naming
   * process.execPath and dist/ scripts runs unchanged. Default: only when the engine is local (unix socket);
   * with a remote engine the image's node runs instead (argv[0] === process.execPath becomes `node`) and the
   * runtime (dist/, package.json, the packages nodes import) is copied into every container at the same path.
   */
  hostMounts?: boolean;
  /**
   * A raw-table NOTRACK rule per lab bridge on the host, so lab traffic never fills the host's conntrack table
   * (see host-notrack.ts). Default: when the engine is local; needs root.
   */
  hostNoTrack?: boolean;
  /** nodes set up at once (default 8) */
  concurrency?: number;
  teardown?: DockerTeardownOptions;
  onStep?: (text: string) => void;
  /** steps of setting up (building the node image): default onStep; the CLI prints them as lines off a terminal */
  onSetupStep?: (text: string) => void;
}

export class DockerBackend implements Backend {
  readonly kind = 'docker' as const;
  readonly lab: string;
  private readonly docker: Docker;
  private readonly options: DockerBackendOptions;
  private readonly hostMounts: boolean;

  constructor(lab: string, options: DockerBackendOptions = {}) {
    this.lab = checkLabName(lab);
    this.docker = options.docker ?? dockerClient();
    this.options = options;
    this.hostMounts = options.hostMounts ?? engineIsLocal();
  }

  /** The container of a node: olab-<lab>-<node>. */
  container(node: string): string {
    return containerName(this.lab, node);
  }

  /** The folder shared with the containers (host mounts only). */
  get shareDir(): string {
    if (this.options.shareDir === undefined) throw new BackendError(`lab ${this.lab}: no shareDir given (the host folder for the containers' logs)`);
    return resolve(this.options.shareDir);
  }

  async create(spec: LabSpec): Promise<void> {
    validateSpec(this.lab, spec);
    const prefixes = checkAddresses(spec);
    // every refusal before anything exists
    const sysctls = new Map(spec.nodes.map((n) => [n.name, containerSysctls(n)]));
    const step = this.options.onStep ?? (() => {});
    const existing = await labObjects(this.lab, this.docker);
    if (existing.containers.length + existing.networks.length > 0) {
      const names = [...existing.containers, ...existing.networks].map((o) => o.name).join(', ');
      throw new BackendError(`lab ${this.lab} already exists (${names}); destroy it first`);
    }
    await checkNoOverlap(this.docker, spec);
    // a host firewall that would drop bridged lab traffic, and no way to let it through: refused before anything exists
    const forward = engineIsLocal() ? await checkForwardAllowed(this.lab) : undefined;
    const image = await this.image(step);
    if (this.hostMounts) await mkdir(this.shareDir, { recursive: true });

    step(`creating ${spec.networks.length} Docker networks`);
    const bridges = await Promise.all(spec.networks.map((n) => createLabNetwork(this.docker, this.lab, n.name, n.subnet)));
    if (this.options.hostNoTrack ?? engineIsLocal()) {
      const nt = await addNoTrack(this.lab, bridges);
      if (nt.skipped) step(`lab traffic stays in the host's conntrack (${nt.skipped})`);
    }
    if (forward && (await addForwardAccept(this.lab, bridges, forward)).length > 0) {
      step(`host firewall: ${describeForward(forward)}; accepting traffic within the lab's ${bridges.length} bridges`);
    }
    await this.createContainers(spec.nodes, image, sysctls, prefixes, step);
  }

  private async createContainers(
    nodes: NodeSpec[],
    image: string,
    sysctls: Map<string, Record<string, string>>,
    prefixes: Map<string, number>,
    step: (t: string) => void,
  ): Promise<void> {
    step(`creating ${nodes.length} containers`);
    const binds = this.hostMounts
      ? [`${projectRoot()}:${projectRoot()}:ro`, `${process.execPath}:${process.execPath}:ro`, `${this.shareDir}:${this.shareDir}:rw`]
      : [];
    await mapLimit(nodes, this.options.concurrency ?? 8, (node) =>
      createNodeContainer(this.docker, { lab: this.lab, node, image, sysctls: sysctls.get(node.name)!, binds, prefixes }),
    );
    if (!this.hostMounts) {
      // the engine cannot see this host's files: the scripts nodes run go into every container
      step('copying the lab runtime (dist/) into the containers');
      await uploadRuntime(this.docker, nodes.map((n) => this.container(n.name)));
    }
  }

  async addNodes(nodes: NodeSpec[]): Promise<void> {
    if (nodes.length === 0) return;
    const found = await labObjects(this.lab, this.docker);
    const networks = await this.labNetworks();
    const spec: LabSpec = { lab: this.lab, networks, nodes };
    validateSpec(this.lab, spec);
    const prefixes = checkAddresses(spec);
    const taken = new Set(found.containers.map((c) => c.name));
    for (const n of nodes) if (taken.has(this.container(n.name))) throw new BackendError(`lab ${this.lab} has this node already`, n.name);
    const sysctls = new Map(nodes.map((n) => [n.name, containerSysctls(n)]));
    const image = await this.image(this.options.onStep ?? (() => {}));
    if (this.hostMounts) await mkdir(this.shareDir, { recursive: true });
    await this.createContainers(nodes, image, sysctls, prefixes, this.options.onStep ?? (() => {}));
  }

  /**
   * Kills every container of these nodes at once, waits until the engine reports each exited with its endpoints
   * released, then removes them (removal.ts): no exit overlaps an endpoint deletion.
   */
  async removeNodes(names: string[]): Promise<void> {
    names.forEach((n) => checkNodeName(n));
    const wanted = new Set(names.map((n) => this.container(n)));
    const found = (await labObjects(this.lab, this.docker)).containers.filter((c) => wanted.has(c.name));
    await endContainers(this.docker, found);
  }

  /** The lab's networks as the engine has them (name from the label, subnet from IPAM). */
  private async labNetworks(): Promise<NetworkSpec[]> {
    const list = await this.docker.listNetworks({ filters: { label: [LABEL_NETWORK, `${LABEL_LAB}=${this.lab}`] } });
    const out: NetworkSpec[] = [];
    for (const n of list) {
      const name = n.Labels?.[LABEL_NETWORK];
      const subnet = n.IPAM?.Config?.[0]?.Subnet;
      if (name && subnet) out.push({ name, subnet });
    }
    if (out.length === 0) throw new BackendError(`lab ${this.lab} has no Docker networks (create it first)`);
    return out;
  }

  async exec(node: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.execWith(node, argv, options);
  }

  private async execWith(node: string, argv: string[], options: ContainerExecOptions): Promise<ExecResult> {
    if (argv.length === 0) throw new BackendError('exec needs a command', node);
    try {
      return fixNotFound(await execIn(this.docker, this.container(checkNodeName(node)), this.argv(argv), options));
    } catch (err) {
      throw this.nodeError(node, err);
    }
  }

  async spawn(node: string, name: string, argv: string[], options: SpawnOptions): Promise<ProcessRecord> {
    if (argv.length === 0) throw new BackendError('spawn needs a command', node);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new BackendError(`invalid process name "${name}"`, node);
    const logDir = resolve(options.logDir);
    // with host mounts the log must be in the shared folder to reach the host; without, it stays in the container
    if (this.hostMounts) {
      const rel = relative(this.shareDir, logDir);
      if (rel.startsWith('..') || isAbsolute(rel)) {
        throw new BackendError(`log folder ${logDir} is not inside ${this.shareDir}, the folder shared with the containers`, node);
      }
    }
    const logFile = join(logDir, `${node}-${name}.log`);
    const t0 = performance.now();
    // the host's node binary is the image's `node` without host mounts, inside the wrapper as well
    const r = await this.execWith(node, ['sh', '-c', SPAWN_SCRIPT, 'sh', logFile, ...this.argv(argv)], { quiet: true });
    const out = parseSpawnOutput(r);
    debugCommand(node, argv, r.exitCode === 0 && out ? `started, pid ${out.pid}` : r.exitCode, performance.now() - t0);
    assertOk(node, `starting ${name}`, r);
    if (!out) throw new BackendError(`starting ${name}: unexpected output ${JSON.stringify(r.stdout)}`, node);
    if (!out.stat || out.stat.state === 'Z') {
      const log = await this.exec(node, ['tail', '-n', '5', logFile]).catch(() => undefined);
      throw new BackendError(`${name} exited at once: ${(log?.stdout ?? '').trim().split('\n').join(' | ')}`, node);
    }
    return { node, name, pid: out.pid, startTime: out.stat.startTime, argv: [...argv], logFile };
  }

  async isRunning(record: ProcessRecord): Promise<boolean> {
    try {
      const r = await execIn(this.docker, this.container(record.node), ['sh', '-c', STATUS_SCRIPT, 'sh', String(record.pid), record.startTime]);
      return r.exitCode === 0;
    } catch (err) {
      // no container, or a stopped one: nothing of ours runs there
      if (statusOf(err) === 404 || statusOf(err) === 409 || statusOf(err) === 500) return false;
      throw err;
    }
  }

  async stop(record: ProcessRecord, timeoutMs = 5000): Promise<void> {
    const ticks = String(Math.ceil(timeoutMs / 20));
    let r: ExecResult;
    try {
      r = await execIn(this.docker, this.container(record.node), ['sh', '-c', STOP_SCRIPT, 'sh', String(record.pid), record.startTime, ticks]);
    } catch (err) {
      if (statusOf(err) === 404 || statusOf(err) === 409 || statusOf(err) === 500) return; // the container (and so the process) is gone
      throw err;
    }
    if (r.exitCode !== 0) throw new BackendError(`process ${record.name} (pid ${record.pid}) survived SIGKILL`, record.node);
  }

  /** With host mounts, logs land in the shared folder on the host; without (a remote engine) they stay in the containers. */
  async readLog(node: string, file: string, offset: number): Promise<LogChunk | undefined> {
    if (this.hostMounts) return readHostLog(file, offset);
    // the size first, then the bytes from the offset on, in one exec
    const r = await this.exec(node, ['sh', '-c', 'stat -c %s "$1" && tail -c +"$2" "$1"', 'sh', file, String(offset + 1)]);
    if (r.exitCode !== 0) return undefined;
    const nl = r.stdout.indexOf('\n');
    const size = Number(r.stdout.slice(0, nl));
    const data = size > offset ? Buffer.from(r.stdout.slice(nl + 1), 'utf8') : Buffer.alloc(0);
    return { data, size };
  }

  /**
   * With host mounts, the host file (inotify and polling; it outlives a kill of the container). Without, one
   * long-running `tail -F` in the node, its output streamed back (its pid first, to end it by pid when stopped);
   * it ends, and says so through onEnd, when the container stops.
   */
  async followLog(node: string, file: string, offset: number, onData: (data: Buffer) => void, options: FollowOptions = {}): Promise<() => Promise<void>> {
    if (this.hostMounts) return followHostLog(file, offset, onData, options.pollMs);
    return followInContainer(this.docker, this.container(checkNodeName(node)), file, offset, onData, options.onEnd);
  }

  async setLink(node: string, ifname: string, up: boolean): Promise<void> {
    const r = await this.exec(node, ['ip', 'link', 'set', 'dev', checkIfName(ifname), up ? 'up' : 'down']);
    assertOk(node, `ip link set dev ${ifname} ${up ? 'up' : 'down'}`, r);
  }

  async destroy(): Promise<void> {
    await destroyDockerLab(this.lab, { ...this.options.teardown, docker: this.docker });
  }

  /**
   * Hook for node failures: SIGKILL the whole container (every process in it); its networks stay. Returns once the
   * engine has seen it stop (and released its endpoints), so a revive never races the release.
   */
  async kill(node: string): Promise<void> {
    const name = this.container(checkNodeName(node));
    try {
      const info = await this.docker.getContainer(name).inspect();
      // in the exit phase: never while another container's endpoint is being deleted (exit-gate.ts)
      await killAndRelease(this.docker, [{ id: info.Id, name }]);
    } catch (err) {
      throw this.nodeError(node, err);
    }
  }

  /**
   * Hook for revival: starts a killed container and re-wires it from its labels (interface names, no default
   * route, no DNS). Docker re-creates every endpoint at start, before the sysctls are written, so the interfaces
   * after the first are connected anew to take the namespace defaults again. The caller re-applies the node's plan
   * and restarts its processes.
   */
  async revive(node: string): Promise<void> {
    try {
      await reviveNodeContainer(this.docker, this.lab, checkNodeName(node));
    } catch (err) {
      throw this.nodeError(node, err);
    }
  }

  /** A local engine's container: `nsenter` into the network namespace of its first process; a remote engine's: none here. */
  async hostNetnsCommand(node: string): Promise<string[] | undefined> {
    if (!engineIsLocal()) return undefined;
    try {
      const info = await this.docker.getContainer(this.container(checkNodeName(node))).inspect();
      if (!info.State.Running || !info.State.Pid) throw new BackendError(`container ${this.container(node)} is not running`, node);
      return ['nsenter', '-t', String(info.State.Pid), '-n'];
    } catch (err) {
      throw this.nodeError(node, err);
    }
  }

  private async image(step: (t: string) => void): Promise<string> {
    const image = this.options.image ?? defaultImageTag();
    if (await imageExists(this.docker, image)) return image;
    if (this.options.image !== undefined || this.options.buildImage === false || process.env.OLAB_IMAGE) {
      throw new BackendError(`image ${image} is missing on the engine (build it: ./lab images build)`);
    }
    const setup = this.options.onSetupStep ?? step;
    setup(`building the node image ${image} (once; offline with mmdebstrap, one to two minutes)`);
    const built = await ensureLabImage({ docker: this.docker, onStep: setup, onLine: step });
    setup(`node image ${built.tag} built with ${built.method} in ${built.seconds.toFixed(0)} s`);
    return built.tag;
  }

  /** argv as the container runs it: without host mounts, the host's node binary is the image's `node`. */
  private argv(argv: string[]): string[] {
    if (!this.hostMounts && argv[0] === process.execPath) return ['node', ...argv.slice(1)];
    return argv;
  }

  private nodeError(node: string, err: unknown): Error {
    if (err instanceof BackendError || isDeadlineError(err)) return err;
    const s = statusOf(err);
    if (s === 404) return new BackendError(`no such node in lab ${this.lab} (container ${this.container(node)} is missing)`, node);
    if (s === 409) return new BackendError(`container ${this.container(node)} is not running`, node);
    return new BackendError(engineMessage(err), node);
  }
}

/** Docker reports a missing program as exit 126 with its message on stdout; say 127 on stderr, as a shell does. */
function fixNotFound(r: ExecResult): ExecResult {
  if (r.exitCode === 126 && /executable file not found|no such file or directory/.test(r.stdout) && r.stdout.startsWith('OCI runtime exec failed')) {
    return { exitCode: 127, stdout: '', stderr: r.stdout };
  }
  return r;
}
